import { useLocation, useRoute } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { messageOf, request } from '../api';
import { graphql } from '../gql';
import type { SignInPageOptionsQuery } from '../gql/graphql';
import { landingFor } from '../session';
import { Alert, Field, PASSWORD_HINT, Page } from '../ui';

const SignIn = graphql(`
  mutation SignIn($input: SignInInput!) {
    signIn(input: $input) {
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

const ChangePassword = graphql(`
  mutation ChangePassword($input: ChangePasswordInput!) {
    changePassword(input: $input) {
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

const LoginOptions = graphql(`
  query LoginOptions($organization: String!, $email: String!) {
    loginOptions(organization: $organization, email: $email) {
      password
      provider {
        id
        name
      }
    }
  }
`);

const PageOptions = graphql(`
  query SignInPageOptions($organization: String!) {
    signInOptions(organization: $organization) {
      providers {
        id
        name
        loginUrl
      }
    }
    signupOptions(organization: $organization) {
      enabled
    }
  }
`);

type Provider = { id: string; name: string };
type Button = SignInPageOptionsQuery['signInOptions']['providers'][number];

/** Home-realm discovery: the provider the typed email's domain signs in with, if any. */
function useProviderFor(org: string, login: string): Provider | null {
  const [provider, setProvider] = useState<Provider | null>(null);
  useEffect(() => {
    const domain = login.split('@')[1] ?? '';
    if (!domain.includes('.')) {
      setProvider(null);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      request(LoginOptions, { organization: org, email: login.trim() })
        .then((data) => live && setProvider(data.loginOptions.provider ?? null))
        .catch(() => live && setProvider(null));
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [org, login]);
  return provider;
}

export function Login() {
  const { params } = useRoute();
  const { route } = useLocation();
  const org = params.org ?? '';
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [mustChange, setMustChange] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [signupOn, setSignupOn] = useState(false);
  const [providers, setProviders] = useState<Button[]>([]);
  const discovered = useProviderFor(org, login);

  useEffect(() => {
    request(PageOptions, { organization: org })
      .then((data) => {
        setSignupOn(data.signupOptions.enabled);
        setProviders(data.signInOptions.providers);
      })
      .catch((failure) => setError(messageOf(failure)));
  }, [org]);
  // The provider of the typed email's domain first (home-realm discovery).
  const buttons = [...providers].sort((a, b) => Number(b.id === discovered?.id) - Number(a.id === discovered?.id));

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mustChange) {
        const { changePassword } = await request(ChangePassword, {
          input: { organization: org, login: login.trim(), currentPassword: password, newPassword },
        });
        const problem = changePassword.userErrors[0];
        if (problem || !changePassword.user) setError(problem?.message ?? 'The password was not changed.');
        else route(landingFor(changePassword.user.roles));
        return;
      }
      const { signIn } = await request(SignIn, { input: { organization: org, login: login.trim(), password } });
      const problem = signIn.userErrors[0];
      if (problem?.code === 'PASSWORD_CHANGE_REQUIRED') {
        setMustChange(true);
        setNotice('Your password was given for one sign-in only: choose your own password now.');
      } else if (problem || !signIn.user) {
        setError(problem?.message ?? 'Sign-in failed.');
      } else {
        route(landingFor(signIn.user.roles));
      }
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  const ssoUrl = (button: Button) =>
    button.loginUrl + (login.includes('@') ? `&login_hint=${encodeURIComponent(login.trim())}` : '');

  return (
    <Page title={mustChange ? 'Choose a new password' : 'Sign in'}>
      <p class="lead">
        Organization <strong>{org}</strong>
      </p>
      <Alert tone="info" message={notice} />
      <Alert message={error} />
      <form onSubmit={submit}>
        <Field
          id="login"
          label="Email or username"
          value={login}
          onInput={setLogin}
          autoComplete="username"
          autoFocus
        />
        <Field
          id="password"
          label={mustChange ? 'One-time password' : 'Password'}
          type="password"
          value={password}
          onInput={setPassword}
          autoComplete="current-password"
        />
        {mustChange && (
          <Field
            id="new-password"
            label="New password"
            type="password"
            value={newPassword}
            onInput={setNewPassword}
            autoComplete="new-password"
            hint={PASSWORD_HINT}
          />
        )}
        <button type="submit" class="primary" disabled={busy}>
          {mustChange ? 'Change password and sign in' : 'Sign in'}
        </button>
      </form>
      {buttons.length > 0 && (
        <ul class="providers" aria-label="Single sign-on">
          {buttons.map((button) => (
            <li key={button.id}>
              <a class={button.id === discovered?.id ? 'button suggested' : 'button'} href={ssoUrl(button)}>
                Sign in with {button.name}
              </a>
            </li>
          ))}
        </ul>
      )}
      <p>
        <a href={`/reset-password?organization=${encodeURIComponent(org)}`}>Forgot password?</a>
      </p>
      {signupOn && (
        <p>
          Don't have an account? <a href={`/signup/${encodeURIComponent(org)}`}>Create one now!</a>
        </p>
      )}
    </Page>
  );
}
