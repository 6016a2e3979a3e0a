// The Manage dialog's Edit form: names, email, phone and language (updateUser), each userError
// shown at its field, the rest at the top.
import { useEffect, useState } from 'preact/hooks';
import { messageOf, request } from '../api';
import { graphql } from '../gql';
import { Alert } from '../ui';

const Details = graphql(`
  query UserDetails($id: ID!) {
    user(id: $id) {
      firstName
      lastName
      email
      phone
      language
    }
  }
`);
const Update = graphql(`
  mutation UpdateUser($input: UpdateUserInput!) {
    updateUser(input: $input) {
      userErrors {
        field
        message
      }
    }
  }
`);

const FIELDS = [
  { key: 'firstName', label: 'First name', type: 'text' },
  { key: 'lastName', label: 'Last name', type: 'text' },
  { key: 'email', label: 'Email', type: 'email' },
  { key: 'phone', label: 'Phone', type: 'tel' },
  { key: 'language', label: 'Language', type: 'text' },
] as const;
type Key = (typeof FIELDS)[number]['key'];
type Values = Record<Key, string>;

export function UserEdit({ userId, onDone }: { userId: string; onDone: (saved: boolean) => void }) {
  const [values, setValues] = useState<Values | null>(null);
  const [errors, setErrors] = useState<Partial<Record<Key, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    request(Details, { id: userId })
      .then(({ user }) =>
        user
          ? setValues({
              firstName: user.firstName,
              lastName: user.lastName,
              email: user.email ?? '',
              phone: user.phone ?? '',
              language: user.language,
            })
          : setError('This user no longer exists.'),
      )
      .catch((failure) => setError(messageOf(failure)));
  }, [userId]);

  async function save(event: Event) {
    event.preventDefault();
    if (!values) return;
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      const { userErrors } = (await request(Update, { input: { userId, ...values } })).updateUser;
      if (userErrors.length === 0) {
        onDone(true);
        return;
      }
      const atFields: Partial<Record<Key, string>> = {};
      const rest: string[] = [];
      for (const failure of userErrors) {
        const key = failure.field?.[failure.field.length - 1] as Key | undefined;
        if (key && FIELDS.some((field) => field.key === key)) atFields[key] = failure.message;
        else rest.push(failure.message);
      }
      setErrors(atFields);
      setError(rest.join(' ') || null);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={save} noValidate>
      <Alert message={error} />
      {values &&
        FIELDS.map(({ key, label, type }) => (
          <div class="field" key={key}>
            <label for={`edit-${key}`}>{label}</label>
            <input
              id={`edit-${key}`}
              type="text"
              inputMode={type}
              value={values[key]}
              aria-invalid={errors[key] ? 'true' : undefined}
              aria-describedby={errors[key] ? `edit-${key}-error` : undefined}
              onInput={(event) => setValues({ ...values, [key]: event.currentTarget.value })}
            />
            {errors[key] && (
              <p id={`edit-${key}-error`} class="field-error">
                {errors[key]}
              </p>
            )}
          </div>
        ))}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || !values}>
          Save
        </button>
        <button type="button" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
