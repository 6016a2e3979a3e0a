import { useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { messageOf, request } from '../api';
import { graphql } from '../gql';
import type { VerifySignUpMutation } from '../gql/graphql';
import { landingFor } from '../session';
import { Alert, Field, PASSWORD_HINT, Page, tokenFromFragment } from '../ui';

const Verify = graphql(`
  mutation VerifySignUp($input: VerifySignUpInput!) {
    verifySignUp(input: $input) {
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

type Answer = VerifySignUpMutation['verifySignUp'];

export function VerifySignup() {
  const { route } = useLocation();
  const [token] = useState(tokenFromFragment);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [expired, setExpired] = useState(!token);
  const [ready, setReady] = useState(false);
  const [ssoUrl, setSsoUrl] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // /verify-signup#token=…, the link of the sign-up email or text. The first call, with no
  // password, uses nothing up: a spent link answers TOKEN_INVALID, a live one REQUIRED.
  function follow(answer: Answer, probing: boolean) {
    const problem = answer.userErrors[0];
    if (answer.ssoLoginUrl) {
      setSsoUrl(answer.ssoLoginUrl);
      window.location.assign(answer.ssoLoginUrl);
    } else if (problem?.code === 'TOKEN_INVALID') setExpired(true);
    else if (answer.user) route(landingFor(answer.user.roles));
    else if (!probing) setError(problem?.message ?? 'Your sign-up was not confirmed.');
  }

  useEffect(() => {
    if (!token) return;
    request(Verify, { input: { token, password: null } })
      .then((data) => follow(data.verifySignUp, true))
      .catch((failure) => setError(messageOf(failure)))
      .finally(() => setReady(true));
  }, [token]);

  async function submit(event: Event) {
    event.preventDefault();
    if (!token) return;
    setBusy(true);
    setError(null);
    try {
      const { verifySignUp } = await request(Verify, { input: { token, password } });
      follow(verifySignUp, false);
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
      <Page title="This link cannot be used">
        <Alert message="This sign-up link has expired or has already been used. Sign up again for a new link; if you already chose your password, sign in from your organization's sign-in page." />
      </Page>
    );
  }
  if (!ready) return <p class="loading">Loading…</p>;
  return (
    <Page title="Confirm your sign-up">
      <p class="lead">Choose a password to finish creating your account.</p>
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
