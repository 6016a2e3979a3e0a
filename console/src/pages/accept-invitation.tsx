import { useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { messageOf, request } from '../api';
import { graphql } from '../gql';
import type { AcceptInvitationMutation } from '../gql/graphql';
import { landingFor } from '../session';
import { Alert, Field, PASSWORD_HINT, Page, tokenFromFragment } from '../ui';

const AcceptInvitation = graphql(`
  mutation AcceptInvitation($input: AcceptInvitationInput!) {
    acceptInvitation(input: $input) {
      ssoLoginUrl
      user {
        id
        roles
      }
      userErrors {
        code
        message
      }
    }
  }
`);

type Answer = AcceptInvitationMutation['acceptInvitation'];

export function AcceptInvitationPage() {
  const { route } = useLocation();
  const [token] = useState(tokenFromFragment);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [expired, setExpired] = useState(!token);
  const [ready, setReady] = useState(false);
  const [ssoUrl, setSsoUrl] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // What happens next depends on the answer: continue to SSO, set the password, or say the
  // link is spent. The first call, with no password, uses nothing up: an SSO invitation
  // answers its login URL, a spent link TOKEN_INVALID, a password invitation REQUIRED.
  function follow(answer: Answer, probing: boolean) {
    const problem = answer.userErrors[0];
    if (answer.ssoLoginUrl) {
      setSsoUrl(answer.ssoLoginUrl);
      window.location.assign(answer.ssoLoginUrl);
    } else if (problem?.code === 'TOKEN_INVALID') setExpired(true);
    else if (answer.user) route(landingFor(answer.user.roles));
    else if (!probing) setError(problem?.message ?? 'The invitation was not accepted.');
  }

  useEffect(() => {
    if (!token) return;
    request(AcceptInvitation, { input: { token, password: null } })
      .then((data) => follow(data.acceptInvitation, true))
      .catch((failure) => setError(messageOf(failure)))
      .finally(() => setReady(true));
  }, [token]);

  async function submit(event: Event) {
    event.preventDefault();
    if (!token) return;
    setBusy(true);
    setError(null);
    try {
      const { acceptInvitation } = await request(AcceptInvitation, { input: { token, password } });
      follow(acceptInvitation, false);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  if (ssoUrl) {
    return (
      <Page title="Continue with single sign-on">
        <p>Your organization signs you in with its identity provider.</p>
        <p>
          <a class="button" href={ssoUrl}>
            Continue to sign in
          </a>
        </p>
      </Page>
    );
  }
  if (expired) {
    return (
      <Page title="This invitation cannot be used">
        <Alert message="This invitation link has expired or has already been used. Ask your administrator to send you a new invitation; if you already set your password, sign in from your organization's sign-in page." />
      </Page>
    );
  }
  if (!ready) return <p class="loading">Loading…</p>;
  return (
    <Page title="Accept your invitation">
      <p class="lead">Choose a password to finish setting up your account.</p>
      <Alert message={error} />
      <form onSubmit={submit}>
        <Field
          id="new-password"
          label="Password"
          type="password"
          value={password}
          onInput={setPassword}
          autoComplete="new-password"
          hint={PASSWORD_HINT}
          autoFocus
        />
        <button type="submit" class="primary" disabled={busy}>
          Set password and sign in
        </button>
      </form>
    </Page>
  );
}
export { AcceptInvitationPage as AcceptInvitation };
