import { Route, Router, useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { messageOf, request } from '../api';
import type { MeQuery } from '../gql/graphql';
import { ADMIN_ROLE, Me, SignOut } from '../session';
import { Alert, Page } from '../ui';
import { IntegrationSync } from './integrations/sync';
import { Users } from './users';

type Signed = NonNullable<MeQuery['me']>;

/** The admin app: the signed-in admin's frame (navigation, sign out) around its screens. */
export default function Admin() {
  const { route } = useLocation();
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
  if (me === null || !me.roles.includes(ADMIN_ROLE)) {
    return (
      <Page title="Admins only">
        <Alert
          message={me ? 'This page is for administrators.' : "You are not signed in. Sign in from your organization's sign-in page."}
        />
      </Page>
    );
  }
  return (
    <div class="admin">
      <header class="topbar">
        <span class="brand">Roster</span>
        <nav aria-label="Admin">
          <a href="/admin/users" aria-current="page">
            Users
          </a>
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
        <Route path="/integrations/:key/sync" component={IntegrationSync} />
        <Route default component={Users} />
      </Router>
    </div>
  );
}
