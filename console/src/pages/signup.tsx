// /signup/{org}?link=CODE: a person signs themselves up (signUp), the department preselected by
// a sign-up link or QR code. The answer is a confirmation link by email (or text), which lands
// on /verify-signup. A spent link or sign-up turned off says so and offers the next step.
import { useEffect, useState } from 'preact/hooks';
import { messageOf, request } from '../api';
import { CatalogSelect, sortErrors, TextField } from '../form';
import { graphql } from '../gql';
import type { SignupPageOptionsQuery } from '../gql/graphql';
import { Alert, Page } from '../ui';

const Options = graphql(`
  query SignupPageOptions($organization: String!, $link: String) {
    signupOptions(organization: $organization, link: $link) {
      enabled
      usernameWithPhone
      emailDomains
      departments {
        id
        name
        retired
      }
      linkDepartment {
        id
        name
      }
      linkValid
    }
  }
`);
const SignUp = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      userErrors {
        field
        message
      }
    }
  }
`);

const KEYS = ['firstName', 'lastName', 'email', 'username', 'phone', 'departmentId'] as const;
type Key = (typeof KEYS)[number];

export function Signup({ org }: { org: string }) {
  const link = new URLSearchParams(window.location.search).get('link');
  const [options, setOptions] = useState<SignupPageOptionsQuery['signupOptions'] | null>(null);
  const [values, setValues] = useState<Record<Key, string>>({ firstName: '', lastName: '', email: '', username: '', phone: '', departmentId: '' });
  const [errors, setErrors] = useState<Partial<Record<Key, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const signIn = `/login/${encodeURIComponent(org)}`;

  useEffect(() => {
    request(Options, { organization: org, link })
      .then((data) => {
        setOptions(data.signupOptions);
        const preselected = data.signupOptions.linkDepartment?.id;
        if (preselected) setValues((before) => ({ ...before, departmentId: preselected }));
      })
      .catch((failure) => setError(messageOf(failure)));
  }, [org, link]);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setErrors({});
    const given = Object.fromEntries(Object.entries(values).filter(([, value]) => value.trim() !== '')) as Partial<Record<Key, string>>;
    try {
      const input = { organization: org, firstName: values.firstName, lastName: values.lastName, ...given, signupLink: link };
      const { userErrors } = (await request(SignUp, { input })).signUp;
      if (userErrors.length === 0) {
        setSent(true);
        return;
      }
      const sorted = sortErrors(userErrors, KEYS);
      setErrors(sorted.atFields);
      setError(sorted.rest);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  if (sent) {
    return (
      <Page title="Check your email">
        <p class="lead">
          We sent a link to confirm your sign-up{values.email ? ` to ${values.email}` : ' by text message'}. Open it to choose your password.
        </p>
        <p>
          Already have an account? <a href={signIn}>Sign in</a>
        </p>
      </Page>
    );
  }
  if (!options) {
    return error ? (
      <Page title="Create your account">
        <Alert message={error} />
      </Page>
    ) : (
      <p class="loading">Loading…</p>
    );
  }
  if (!options.enabled) {
    return (
      <Page title="Sign-up is not open">
        <p class="lead">This organization does not let people sign themselves up. Ask your administrator for an invitation.</p>
        <p>
          <a href={signIn}>Sign in</a>
        </p>
      </Page>
    );
  }
  if (options.linkValid === false) {
    return (
      <Page title="This sign-up link cannot be used">
        <Alert message="This sign-up link has been withdrawn. Ask your administrator for a new link or QR code." />
        <p>
          <a href={`/signup/${encodeURIComponent(org)}`}>Sign up without the link</a> or <a href={signIn}>sign in</a>.
        </p>
      </Page>
    );
  }
  const set = (key: Key) => (value: string) => setValues({ ...values, [key]: value });
  const field = (key: Key, label: string, inputMode: 'text' | 'email' | 'tel', autoComplete: string) => (
    <TextField id={`signup-${key}`} label={label} inputMode={inputMode} autoComplete={autoComplete} value={values[key]} error={errors[key]} onChange={set(key)} />
  );
  return (
    <Page title="Create your account">
      <Alert message={error} />
      <form onSubmit={submit} noValidate>
        {field('firstName', 'First name', 'text', 'given-name')}
        {field('lastName', 'Last name', 'text', 'family-name')}
        {field('email', 'Email', 'email', 'email')}
        {options.emailDomains.length > 0 && <p class="hint">An address at {options.emailDomains.join(', ')}.</p>}
        {options.usernameWithPhone && (
          <fieldset>
            <legend>Or, without an email</legend>
            {field('username', 'Username', 'text', 'username')}
            {field('phone', 'Mobile number', 'tel', 'tel')}
          </fieldset>
        )}
        {options.departments.length > 0 ? (
          <CatalogSelect id="signup-departmentId" label="Department" value={values.departmentId} error={errors.departmentId} entries={options.departments} onChange={set('departmentId')} />
        ) : (
          options.linkDepartment && <p>Department: {options.linkDepartment.name}</p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          Create account
        </button>
      </form>
      <p>
        Already have an account? <a href={signIn}>Sign in</a>
      </p>
    </Page>
  );
}
