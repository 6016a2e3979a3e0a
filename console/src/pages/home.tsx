import { useEffect, useState } from 'preact/hooks';
import { messageOf, request } from '../api';
import type { MeQuery } from '../gql/graphql';
import { ADMIN_ROLE, Me, SignOut } from '../session';
import { Alert, Page } from '../ui';

export function Home() {
  const [me, setMe] = useState<MeQuery['me'] | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    request(Me)
      .then((data) => setMe(data.me))
      .catch((failure) => setError(messageOf(failure)));
  }, []);

  async function signOut() {
    try {
      await request(SignOut);
      setMe(null);
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  return (
    <Page title={me ? 'You are signed in' : 'Welcome'}>
      <Alert message={error} />
      {me === null && (
        <p>Sign in from your organization's sign-in page: /login/ followed by your organization's name.</p>
      )}
      {me && (
        <>
          <p>
            Signed in as {me.firstName} {me.lastName} ({me.email ?? me.username}).
          </p>
          {me.roles.includes(ADMIN_ROLE) && (
            <p>
              <a href="/admin/users">Manage users</a>
            </p>
          )}
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </>
      )}
    </Page>
  );
}
