import { Route, Router, useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { messageOf, request } from '../api';
import type { MeQuery } from '../gql/graphql';
import { ADMIN_ROLE, Me, SignOut } from '../session';
import { Alert, Page } from '../ui';
import { IntegrationAccounts } from './integrations/accounts';
import { Integrations } from './integrations/list';
import { ImportScreen } from './import/screen';
import { CommunicationSettingsScreen } from './settings/communication';
import { SettingsIndex } from './settings/index';
import { ScimSettingsScreen } from './settings/scim';
import { SignupSettingsScreen } from './settings/signup';
import { SsoSettingsScreen } from './settings/sso';
import { ApiClients } from './settings/api-clients';
import { AuditLog } from './settings/audit';
import { CatalogSettings } from './settings/catalog';
import { Licences } from './settings/licences';
import { RolesSettings } from './settings/roles';
import { IntegrationSync } from './integrations/sync';
import { Users } from './users';

type Signed = NonNullable<MeQuery['me']>;

/** The admin's sections, in the navigation's order; the first is where /admin lands. */
const SECTIONS: readonly (readonly [href: string, label: string])[] = [
  ['/admin/users', 'Users'],
  ['/admin/integrations', 'Integrations'],
  ['/admin/import', 'Import'],
  ['/admin/settings', 'Settings'],
];

/** The section the path is in (the current page for the navigation). */
function sectionOf(path: string): string {
  const found = SECTIONS.find(([href]) => path === href || path.startsWith(`${href}/`));
  return found ? found[0] : '/admin/users';
}

/** The admin app: the signed-in admin's frame (navigation, sign out) around its screens. */
export default function Admin() {
  const { route, path } = useLocation();
  const current = sectionOf(path);
  const [me, setMe] = useState<Signed | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    request(Me)
      .then((data) => setMe(data.me ?? null))
      .catch((failure) => setError(messageOf(failure)));
  }, []);

  async function signOut() {
    try {
      await request(SignOut);
      route('/');
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  if (error) {
    return (
      <Page title="Roster admin">
        <Alert message={error} />
      </Page>
    );
  }
  if (me === undefined) return <p class="loading">Loading…</p>;
  if (me === null) {
    return (
      <Page title="Admins only">
        <Alert message="You are not signed in. Sign in from your organization's sign-in page." />
      </Page>
    );
  }
  if (!me.roles.includes(ADMIN_ROLE)) {
    // A member who followed an admin link (or signed in through one): say who they are and
    // offer the way on, not a dead end.
    return (
      <Page title="Admins only">
        <p>
          You are signed in as {me.firstName} {me.lastName} ({me.email ?? me.username}), who is
          not an administrator of this organization. An administrator can give you the admin role.
        </p>
        <p>
          <a href="/">Your start page</a>
        </p>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </Page>
    );
  }
  return (
    <div class="admin">
      <header class="topbar">
        <span class="brand">Roster</span>
        <nav aria-label="Admin">
          {SECTIONS.map(([href, label]) => (
            <a key={href} href={href} aria-current={href === current ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who">
          {me.firstName} {me.lastName}
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <Router>
        <Route path="/users" component={Users} />
        <Route path="/integrations" component={Integrations} />
        <Route path="/integrations/:integration" component={IntegrationAccounts} />
        <Route path="/settings" component={SettingsIndex} />
        <Route path="/settings/communication" component={CommunicationSettingsScreen} />
        <Route path="/settings/signup" component={SignupSettingsScreen} />
        <Route path="/settings/sso" component={SsoSettingsScreen} />
        <Route path="/settings/scim" component={ScimSettingsScreen} />
        <Route path="/settings/licences" component={Licences} />
        <Route path="/settings/api-clients" component={ApiClients} />
        <Route path="/settings/roles" component={RolesSettings} />
        <Route path="/settings/catalog" component={CatalogSettings} />
        <Route path="/settings/audit" component={AuditLog} />
        <Route path="/integrations/:key/sync" component={IntegrationSync} />
        <Route path="/import" component={ImportScreen} />
        <Route default component={Users} />
      </Router>
    </div>
  );
}
