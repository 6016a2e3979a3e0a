import { useLocation } from 'preact-iso';
import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf, request } from '../api';
import { useDebounced } from '../debounce';
import { graphql } from '../gql';
import type { Seat, UsersQuery, UserStatus } from '../gql/graphql';
import { useOpenings } from '../openings';
import { Alert } from '../ui';
import { UserActions } from './user-actions';
import { type Created, UserCreate } from './user-create';
import { UserFromAccounts } from './user-from-accounts';

const UsersList = graphql(`
  query Users($search: String, $status: UserStatus, $seat: Seat, $first: Int!, $after: String) {
    users(search: $search, status: $status, seat: $seat, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          firstName
          lastName
          email
          username
          status
          seat
          roles
          lastLoginAt
        }
      }
    }
  }
`);

const PAGE_SIZE = 25;

type Tab = { key: string; label: string; status: UserStatus | null; seat: Seat | null };
const TABS: readonly Tab[] = [
  { key: 'full', label: 'Full', status: 'ACTIVE', seat: 'FULL' },
  { key: 'observers', label: 'Observers', status: 'ACTIVE', seat: 'OBSERVER' },
  { key: 'pending', label: 'Pending', status: 'PENDING', seat: null },
  { key: 'invited', label: 'Invited', status: 'INVITED', seat: null },
  { key: 'disabled', label: 'Disabled', status: 'DISABLED', seat: null },
];

export function Users() {
  // ?tab=observers&search=... opens the list on a user (the integration screens link so).
  const { query } = useLocation();
  const [tab, setTab] = useState<Tab>(TABS.find((candidate) => candidate.key === query.tab) ?? (TABS[0] as Tab));
  const [search, setSearch] = useState(query.search ?? '');
  const term = useDebounced(search.trim());
  // Cursor paging: the cursors of the pages before this one, so Previous can go back.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [result, setResult] = useState<UsersQuery['users'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const after = cursors[cursors.length - 1] ?? null;
  type Row = UsersQuery['users']['edges'][number]['node'];
  // The user whose dialog is open, and the create dialog (a late close event of an earlier
  // dialog is ignored: src/openings.ts).
  const act = useOpenings<Row>();
  const acting = act.opened?.value ?? null;
  // Bumped after an action changed a user, so the list is fetched again.
  const [version, setVersion] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const create = useOpenings<'manually' | 'accounts'>();
  const creating = create.opened?.value ?? false;
  const createButton = useRef<HTMLButtonElement>(null);
  const createOpened = useRef(false);
  // Once the create dialog has closed, focus goes back to its button (after the page's notice
  // took it: a parent's effect runs after its children's).
  useEffect(() => {
    if (creating) createOpened.current = true;
    else if (createOpened.current) createButton.current?.focus();
  }, [creating]);

  // Once a user's dialog has closed, focus goes back to that user's Manage button (the list
  // may have been fetched again meanwhile, and the page's notice may have taken it).
  const actedOn = useRef<string | null>(null);
  useEffect(() => {
    if (acting) {
      actedOn.current = acting.id;
    } else if (actedOn.current) {
      const button = document.querySelector<HTMLButtonElement>(`button[data-manage="${actedOn.current}"]`);
      actedOn.current = null;
      button?.focus();
    }
  }, [acting]);

  // A user acted on may leave this tab (made full, activated, disabled): if their Manage
  // button has the focus when the list comes back without them, the focus goes to the tab
  // rather than to nowhere.
  function leaveRowsGoing(ids: string[], tabKey: string) {
    const focused = document.activeElement;
    const manages = focused instanceof HTMLElement ? focused.dataset.manage : undefined;
    if (manages && !ids.includes(manages)) document.getElementById(`tab-${tabKey}`)?.focus();
  }

  // Each dialog's close, for its own opening only (a replaced dialog's is ignored).
  const closeCreate = (opening: number) => () => {
    if (create.close(opening)) createButton.current?.focus();
  };
  const closeActions = (opening: number) => (changed: boolean, message: string | null) => {
    if (!act.close(opening)) return;
    setNotice(message);
    if (changed) setVersion((count) => count + 1);
  };

  function created(user: Created) {
    // Show the tab the new user is on, so the list has them.
    const home = TABS.find((candidate) =>
      user.status === 'ACTIVE' ? candidate.status === 'ACTIVE' && candidate.seat === user.seat : candidate.status === user.status,
    );
    if (home) setTab(home);
    setNotice(`${user.name} is created.`);
    setVersion((count) => count + 1);
  }

  useEffect(() => {
    setCursors([null]);
  }, [tab, term]);

  useEffect(() => {
    let live = true;
    request(UsersList, { search: term || null, status: tab.status, seat: tab.seat, first: PAGE_SIZE, after })
      .then((data) => {
        if (!live) return;
        leaveRowsGoing(data.users.edges.map(({ node }) => node.id), tab.key);
        setResult(data.users);
        setError(null);
      })
      .catch((failure) => live && setError(messageOf(failure)));
    return () => {
      live = false;
    };
  }, [tab, term, after, version]);

  const page = cursors.length;
  const rows = result?.edges ?? [];

  return (
    <main class="screen">
      <div class="heading">
        <h1>Users</h1>
        {/* biome-ignore lint/a11y/noStaticElementInteractions: Escape here closes the menu its button opened */}
        <div
          class="menu"
          onKeyDown={(event) => {
            if (event.key === 'Escape' && menuOpen) {
              setMenuOpen(false);
              createButton.current?.focus();
            }
          }}
        >
          <button
            ref={createButton}
            type="button"
            class="primary"
            aria-expanded={menuOpen}
            aria-controls="create-users-menu"
            onClick={() => setMenuOpen(!menuOpen)}
          >
            Create users <span aria-hidden="true">▾</span>
          </button>
          {menuOpen && (
            <ul id="create-users-menu" class="menu-list">
              <li>
                <button
                  type="button"
                  onClick={() => {
                    setMenuOpen(false);
                    create.open('manually');
                  }}
                >
                  Manually
                </button>
              </li>
              <li>
                <button
                  type="button"
                  onClick={() => {
                    setMenuOpen(false);
                    create.open('accounts');
                  }}
                >
                  From unlinked integration accounts
                </button>
              </li>
            </ul>
          )}
        </div>
      </div>
      <div class="toolbar">
        <div role="tablist" aria-label="Which users">
          {TABS.map((candidate) => (
            <button
              type="button"
              role="tab"
              key={candidate.key}
              id={`tab-${candidate.key}`}
              aria-selected={candidate.key === tab.key}
              aria-controls="users-panel"
              onClick={() => setTab(candidate)}
            >
              {candidate.label}
            </button>
          ))}
        </div>
        <div class="search">
          <label for="user-search">Search users</label>
          <input
            id="user-search"
            type="search"
            value={search}
            placeholder="Name, email or username"
            onInput={(event) => setSearch(event.currentTarget.value)}
          />
        </div>
      </div>
      <Alert message={error} />
      <Alert message={notice} tone="info" />
      <section id="users-panel" role="tabpanel" aria-labelledby={`tab-${tab.key}`}>
        <p class="count" aria-live="polite">
          {result ? `${result.totalCount} ${result.totalCount === 1 ? 'user' : 'users'}` : 'Loading…'}
        </p>
        <table>
          <caption class="visually-hidden">{tab.label} users</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email or username</th>
              <th scope="col">Status</th>
              <th scope="col">Seat</th>
              <th scope="col">Roles</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ node: user }) => (
              <tr key={user.id}>
                <td>
                  {user.firstName} {user.lastName}
                </td>
                <td>{user.email ?? user.username}</td>
                <td>{user.status.toLowerCase()}</td>
                <td>{user.seat === 'FULL' ? 'full' : 'observer'}</td>
                <td>{user.roles.join(', ').toLowerCase()}</td>
                <td>{user.lastLoginAt ? new Date(user.lastLoginAt).toLocaleString() : 'never'}</td>
                <td>
                  <button type="button" data-manage={user.id} aria-label={`Manage ${user.email ?? user.username}`} onClick={() => act.open(user)}>
                    Manage
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {result && rows.length === 0 && <p>No users here{term ? ` match “${term}”` : ''}.</p>}
        <nav class="pager" aria-label="Pages">
          <button type="button" disabled={page <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
            Previous
          </button>
          <span>Page {page}</span>
          <button
            type="button"
            disabled={!result?.pageInfo.hasNextPage}
            onClick={() => result?.pageInfo.endCursor && setCursors([...cursors, result.pageInfo.endCursor])}
          >
            Next
          </button>
        </nav>
      </section>
      {create.opened?.value === 'manually' && (
        <UserCreate
          key={create.opened.opening}
          onCreated={created}
          onClose={closeCreate(create.opened.opening)}
        />
      )}
      {create.opened?.value === 'accounts' && (
        <UserFromAccounts
          key={create.opened.opening}
          onCreated={created}
          onClose={closeCreate(create.opened.opening)}
        />
      )}
      {act.opened && (
        <UserActions
          key={act.opened.opening}
          user={act.opened.value}
          onClose={closeActions(act.opened.opening)}
        />
      )}
    </main>
  );
}
