// What the integration screens say about an integration's kind.
const KINDS: Record<string, string> = { ACTIVITY: 'Activity', DIRECTORY: 'Directory', PROVISIONING: 'Provisioning' };

/** Whether Roster syncs with this integration (it has a sync screen and sync settings). */
export function syncs(kind: string): boolean {
  return kind === 'DIRECTORY' || kind === 'PROVISIONING';
}

export function kindName(kind: string): string {
  return KINDS[kind] ?? kind.toLowerCase();
}

/** The Users page's tab a user is on, as its ?tab= names it. */
export function usersTab(user: { status: string; seat: string }): string {
  if (user.status === 'ACTIVE') return user.seat === 'FULL' ? 'full' : 'observers';
  return user.status.toLowerCase();
}

/** The Users page, on the user's tab and searching for them, so the list shows them. */
export function userHref(user: { status: string; seat: string; email?: string | null; username?: string | null }): string {
  const query = new URLSearchParams({ tab: usersTab(user), search: user.email ?? user.username ?? '' });
  return `/admin/users?${query}`;
}
