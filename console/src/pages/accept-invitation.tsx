import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { messageOf, request } from '../api';
import { graphql } from '../gql';
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

export function AcceptInvitationPage() {
  const { route } = useLocation();
  const [token] = useState(tokenFromFragment);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [expired, setExpired] = useState(!token);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    if (!token) return;
    setBusy(true);
    setError(null);
    try {
      const { acceptInvitation } = await request(AcceptInvitation, { input: { token, password } });
      const problem = acceptInvitation.userErrors[0];
      if (acceptInvitation.ssoLoginUrl) window.location.assign(acceptInvitation.ssoLoginUrl);
      else if (problem?.code === 'TOKEN_INVALID') setExpired(true);
      else if (problem || !acceptInvitation.user) setError(problem?.message ?? 'The invitation was not accepted.');
      else route(landingFor(acceptInvitation.user.roles));
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  if (expired) {
    return (
      <Page title="This invitation cannot be used">
        <Alert message="This invitation link has expired or has already been used. Ask your administrator to send you a new invitation; if you already set your password, sign in from your organization's sign-in page." />
      </Page>
    );
  }
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
