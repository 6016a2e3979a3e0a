import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { messageOf, request } from '../api';
import { graphql } from '../gql';
import { landingFor } from '../session';
import { Alert, Field, PASSWORD_HINT, Page, tokenFromFragment } from '../ui';

const RequestReset = graphql(`
  mutation RequestPasswordReset($input: RequestPasswordResetInput!) {
    requestPasswordReset(input: $input) {
      ok
      userErrors {
        code
        message
      }
    }
  }
`);

const ResetPassword = graphql(`
  mutation ResetPassword($input: ResetPasswordInput!) {
    resetPassword(input: $input) {
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

export function ResetPasswordPage() {
  const [token] = useState(tokenFromFragment);
  const [expired, setExpired] = useState(false);
  return token && !expired ? <NewPassword token={token} onExpired={() => setExpired(true)} /> : <RequestLink expired={expired} />;
}
export { ResetPasswordPage as ResetPassword };

function NewPassword({ token, onExpired }: { token: string; onExpired: () => void }) {
  const { route } = useLocation();
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { resetPassword } = await request(ResetPassword, { input: { token, password } });
      const problem = resetPassword.userErrors[0];
      if (problem?.code === 'TOKEN_INVALID') onExpired();
      else if (problem || !resetPassword.user) setError(problem?.message ?? 'The password was not changed.');
      else route(landingFor(resetPassword.user.roles));
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Page title="Choose a new password">
      <Alert message={error} />
      <form onSubmit={submit}>
        <Field
          id="new-password"
          label="New password"
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

function RequestLink({ expired }: { expired: boolean }) {
  const { query } = useLocation();
  const [organization, setOrganization] = useState(query.organization ?? '');
  const [login, setLogin] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { requestPasswordReset } = await request(RequestReset, {
        input: { organization: organization.trim(), login: login.trim() },
      });
      const problem = requestPasswordReset.userErrors[0];
      if (problem) setError(problem.message);
      else setSent(true);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  if (sent) {
    return (
      <Page title="Check your email">
        <Alert tone="info" message="If an account matches, we have sent it a link to choose a new password." />
        <p>
          <a href={`/login/${encodeURIComponent(organization.trim())}`}>Back to sign in</a>
        </p>
      </Page>
    );
  }
  return (
    <Page title={expired ? 'This link has expired' : 'Reset your password'}>
      <Alert
        message={error ?? (expired ? 'This reset link has expired or has already been used. Request a new reset link below.' : null)}
      />
      <form onSubmit={submit}>
        <Field
          id="organization"
          label="Organization"
          value={organization}
          onInput={setOrganization}
          autoComplete="organization"
          autoFocus={!organization}
        />
        <Field
          id="login"
          label="Email or username"
          value={login}
          onInput={setLogin}
          autoComplete="username"
          autoFocus={Boolean(organization)}
        />
        <button type="submit" class="primary" disabled={busy}>
          Send a new reset link
        </button>
      </form>
    </Page>
  );
}
