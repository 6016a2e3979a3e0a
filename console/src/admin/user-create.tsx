// "Create users ▾ Manually": a modal form for createUser. Create closes it (the Users page then
// shows the tab the new user is on); Create and add another clears it and stays, focus back on
// the first field. Each userError is shown at its field, the rest at the top.
import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf, request } from '../api';
import { graphql } from '../gql';
import type { Seat, UserStatus } from '../gql/graphql';
import { Alert } from '../ui';
import { CATALOGS, type CatalogKey, CatalogSelect, sortErrors, TextField, useCatalogs } from './user-fields';

const Create = graphql(`
  mutation CreateUserManually($input: CreateUserInput!) {
    createUser(input: $input) {
      user {
        firstName
        lastName
        status
        seat
      }
      userErrors {
        field
        message
      }
    }
  }
`);

const TEXT_FIELDS = [
  { key: 'firstName', label: 'First name', inputMode: 'text' },
  { key: 'lastName', label: 'Last name', inputMode: 'text' },
  { key: 'email', label: 'Email', inputMode: 'email' },
  { key: 'username', label: 'Username', inputMode: 'text' },
  { key: 'phone', label: 'Phone', inputMode: 'tel' },
  { key: 'language', label: 'Language', inputMode: 'text' },
] as const;
type Key = (typeof TEXT_FIELDS)[number]['key'] | CatalogKey;
const KEYS: readonly Key[] = [...TEXT_FIELDS.map((field) => field.key), ...CATALOGS.map((catalog) => catalog.key)];
const EMPTY = Object.fromEntries(KEYS.map((key) => [key, ''])) as Record<Key, string>;

export type Created = { name: string; status: UserStatus; seat: Seat };

export function UserCreate({ onCreated, onClose }: { onCreated: (user: Created) => void; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const first = useRef<HTMLInputElement>(null);
  const [values, setValues] = useState<Record<Key, string>>(EMPTY);
  const [errors, setErrors] = useState<Partial<Record<Key, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Bumped when the form is cleared for another user: focus goes back to the first field
  // (the notice is announced, not focused, so nothing races it for the focus).
  const [round, setRound] = useState(0);
  const catalogs = useCatalogs(setError);

  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  useEffect(() => {
    if (round > 0) first.current?.focus();
  }, [round]);

  async function create(another: boolean) {
    setBusy(true);
    setError(null);
    setNotice(null);
    setErrors({});
    // Empty fields are left out, so the server's defaults (language, no department) apply.
    const input = Object.fromEntries(Object.entries(values).filter(([, value]) => value.trim() !== '')) as Partial<Record<Key, string>>;
    try {
      const { user, userErrors } = (
        await request(Create, { input: { firstName: input.firstName ?? '', lastName: input.lastName ?? '', ...input } })
      ).createUser;
      if (userErrors.length > 0 || !user) {
        const sorted = sortErrors(userErrors, KEYS);
        setErrors(sorted.atFields);
        setError(sorted.rest);
        return;
      }
      const created = { name: `${user.firstName} ${user.lastName}`, status: user.status, seat: user.seat };
      onCreated(created);
      if (another) {
        setValues(EMPTY);
        setNotice(`${created.name} is created. Add another user.`);
        setRound((count) => count + 1);
      } else {
        dialog.current?.close();
      }
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  const set = (key: Key) => (value: string) => setValues({ ...values, [key]: value });
  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="user-create-title" onClose={onClose}>
      <h2 id="user-create-title">Create a user</h2>
      <p class="lead">An email, or a username with a phone number.</p>
      <Alert message={error} />
      <Alert message={notice} tone="info" focus={false} />
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          create(false);
        }}
      >
        {TEXT_FIELDS.map(({ key, label, inputMode }, index) => (
          <TextField
            key={key}
            id={`create-${key}`}
            label={label}
            inputMode={inputMode}
            value={values[key]}
            error={errors[key]}
            onChange={set(key)}
            inputRef={index === 0 ? first : undefined}
          />
        ))}
        {CATALOGS.map(({ key, label, list }) => (
          <CatalogSelect
            key={key}
            id={`create-${key}`}
            label={label}
            value={values[key]}
            error={errors[key]}
            entries={catalogs?.[list] ?? []}
            onChange={set(key)}
          />
        ))}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            Create
          </button>
          <button type="button" disabled={busy} onClick={() => create(true)}>
            Create and add another
          </button>
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
