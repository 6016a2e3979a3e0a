// The Manage dialog's Edit form: names, email, phone, language, department, job profile and
// permission type (updateUser), each userError shown at its field, the rest at the top. A
// catalog entry can be changed, not taken away (updateUser reads a null as "unchanged").
import { useEffect, useState } from 'preact/hooks';
import { messageOf, request } from '../api';
import { graphql } from '../gql';
import { Alert } from '../ui';
import { CATALOGS, type CatalogKey, CatalogSelect, sortErrors, useCatalogs } from './user-fields';

const Details = graphql(`
  query UserDetails($id: ID!) {
    user(id: $id) {
      managedBy
      firstName
      lastName
      email
      phone
      language
      department {
        id
      }
      jobProfile {
        id
      }
      permissionType {
        id
      }
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
type TextKey = (typeof FIELDS)[number]['key'];
type Key = TextKey | CatalogKey;
type Values = Record<Key, string>;
const KEYS: readonly Key[] = [...FIELDS.map((field) => field.key), ...CATALOGS.map((catalog) => catalog.key)];

export function UserEdit({ userId, onDone }: { userId: string; onDone: (saved: boolean) => void }) {
  const [values, setValues] = useState<Values | null>(null);
  const [initial, setInitial] = useState<Values | null>(null);
  const [errors, setErrors] = useState<Partial<Record<Key, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [managedBy, setManagedBy] = useState<string | null>(null);
  const catalogs = useCatalogs(setError);

  useEffect(() => {
    request(Details, { id: userId })
      .then(({ user }) =>
        {
          if (!user) {
            setError('This user no longer exists.');
            return;
          }
          const loaded = {
            firstName: user.firstName,
            lastName: user.lastName,
            email: user.email ?? '',
            phone: user.phone ?? '',
            language: user.language,
            departmentId: user.department?.id ?? '',
            jobProfileId: user.jobProfile?.id ?? '',
            permissionTypeId: user.permissionType?.id ?? '',
          };
          setValues(loaded);
          setInitial(loaded);
          setManagedBy(user.managedBy ?? null);
        },
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
      const { departmentId, jobProfileId, permissionTypeId, ...text } = values;
      const picked = Object.fromEntries(
        Object.entries({ departmentId, jobProfileId, permissionTypeId }).filter(([key, value]) => value !== '' && value !== initial?.[key as CatalogKey]),
      );
      const { userErrors } = (await request(Update, { input: { userId, ...text, ...picked } })).updateUser;
      if (userErrors.length === 0) {
        onDone(true);
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

  return (
    <form onSubmit={save} noValidate>
      {managedBy && (
        <Alert
          tone="info"
          message={`The directory integration "${managedBy}" manages this user: the fields it owns are changed there, and a change here is refused.`}
        />
      )}
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
      {values &&
        CATALOGS.map(({ key, label, list }) => (
          <CatalogSelect
            key={key}
            id={`edit-${key}`}
            label={label}
            value={values[key]}
            error={errors[key]}
            entries={catalogs?.[list] ?? []}
            allowNone={!initial?.[key]}
            onChange={(value) => setValues({ ...values, [key]: value })}
          />
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
