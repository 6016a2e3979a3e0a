// What an emailed one-time link (#token=…) to set a password leads to, for invitations and
// sign-up confirmations alike: the first call, with no password, uses nothing up (a spent link
// answers TOKEN_INVALID, an SSO invitation its login URL, a live link REQUIRED); then the person
// chooses a password and is signed in.
import { useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { messageOf } from '../api';
import { landingFor } from '../session';
import { Alert, Field, PASSWORD_HINT, Page, tokenFromFragment } from '../ui';

export type LinkAnswer = {
  ssoLoginUrl?: string | null;
  user?: { roles: readonly string[] } | null;
  userErrors: readonly { code: string; message: string }[];
};

export type LinkTexts = {
  title: string;
  lead: string;
  spentTitle: string;
  spent: string;
  refused: string;
  /** Where a spent link's page sends the person next, besides signing in (sign up again). */
  again?: { label: string; path: (organization: string) => string };
};

// The organization's slug, as the link carries it (?organization=): only a slug's characters.
const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function LinkPasswordPage({ run, texts }: { run: (token: string, password: string | null) => Promise<LinkAnswer>; texts: LinkTexts }) {
  const { route, query } = useLocation();
  const organization = SLUG.test(query.organization ?? '') ? (query.organization as string) : null;
  const [token] = useState(tokenFromFragment);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [expired, setExpired] = useState(!token);
  const [ready, setReady] = useState(false);
  const [ssoUrl, setSsoUrl] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function follow(answer: LinkAnswer, probing: boolean) {
    const problem = answer.userErrors[0];
    if (answer.ssoLoginUrl) {
      setSsoUrl(answer.ssoLoginUrl);
      window.location.assign(answer.ssoLoginUrl);
    } else if (problem?.code === 'TOKEN_INVALID') setExpired(true);
    else if (answer.user) route(landingFor(answer.user.roles));
    else if (!probing) setError(problem?.message ?? texts.refused);
  }

  useEffect(() => {
    if (!token) return;
    run(token, null)
      .then((answer) => follow(answer, true))
      .catch((failure) => setError(messageOf(failure)))
      .finally(() => setReady(true));
  }, [token]);

  async function submit(event: Event) {
    event.preventDefault();
    if (!token) return;
    setBusy(true);
    setError(null);
    try {
      follow(await run(token, password), false);
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
      <Page title={texts.spentTitle}>
        <Alert message={texts.spent} />
        {organization && (
          <ul class="next-steps">
            {texts.again && (
              <li>
                <a href={texts.again.path(organization)}>{texts.again.label}</a>
              </li>
            )}
            <li>
              <a href={`/login/${organization}`}>Sign in</a>
            </li>
          </ul>
        )}
      </Page>
    );
  }
  if (!ready) return <p class="loading">Loading…</p>;
  return (
    <Page title={texts.title}>
      <p class="lead">{texts.lead}</p>
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
