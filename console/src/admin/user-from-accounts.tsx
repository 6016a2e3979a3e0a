// "Create users ▾ From unlinked integration accounts" (seed 000): an email (first and last name
// guessed from it, editable), the unlinked accounts most likely to be this person's (a partial
// email or name of 3+ characters finds them while typing), one account selected per integration,
// and the connection status the selection gives. createUser links the selection in the same
// step, so a refused link (ALREADY_LINKED) leaves no user behind; it is shown at its account.
import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf, request } from '../api';
import { graphql } from '../gql';
import type { ConnectionPreviewQuery, SuggestAccountsQuery } from '../gql/graphql';
import { Alert } from '../ui';
import { useDebounced } from '../debounce';
import type { Created } from './user-create';
import { sortErrors, TextField } from './user-fields';

const Guess = graphql(`
  query GuessName($email: String!) {
    guessName(email: $email) {
      firstName
      lastName
    }
  }
`);

const Suggest = graphql(`
  query SuggestAccounts($email: String!, $firstName: String, $lastName: String) {
    suggestIntegrationAccounts(email: $email, firstName: $firstName, lastName: $lastName, first: 10) {
      score
      reasons
      account {
        id
        externalId
        email
        displayName
        integration {
          key
          name
        }
        matchingUser {
          firstName
          lastName
          email
        }
      }
    }
  }
`);

const Preview = graphql(`
  query ConnectionPreview($accountIds: [ID!]!) {
    connectionStatusPreview(accountIds: $accountIds) {
      linked
      integration {
        key
        name
      }
      account {
        externalId
      }
    }
  }
`);

const Create = graphql(`
  mutation CreateUserFromAccounts($input: CreateUserInput!) {
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

type Suggestion = SuggestAccountsQuery['suggestIntegrationAccounts'][number];
type Account = Suggestion['account'];
type Key = 'email' | 'firstName' | 'lastName';
const KEYS: readonly Key[] = ['email', 'firstName', 'lastName'];
const EMPTY: Record<Key, string> = { email: '', firstName: '', lastName: '' };
const MIN_TERM = 3;

function accountLabel(account: Account): string {
  return account.displayName ?? account.email ?? account.externalId;
}

export function UserFromAccounts({ onCreated, onClose }: { onCreated: (user: Created) => void; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const emailField = useRef<HTMLInputElement>(null);
  const [values, setValues] = useState<Record<Key, string>>(EMPTY);
  // A name the admin typed is theirs: the guess from the email no longer replaces it.
  const [typed, setTyped] = useState<Partial<Record<Key, boolean>>>({});
  // One selected account per integration, by the integration's key.
  const [selected, setSelected] = useState<Record<string, Account>>({});
  const [suggestions, setSuggestions] = useState<Suggestion[] | null>(null);
  const [status, setStatus] = useState<ConnectionPreviewQuery['connectionStatusPreview']>([]);
  const [errors, setErrors] = useState<Partial<Record<Key, string>>>({});
  const [linkError, setLinkError] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [round, setRound] = useState(0);
  const email = useDebounced(values.email.trim());
  const first = useDebounced(values.firstName.trim());
  const last = useDebounced(values.lastName.trim());

  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  useEffect(() => {
    if (round > 0) emailField.current?.focus();
  }, [round]);

  useEffect(() => {
    if (!email.includes('@')) return;
    let live = true;
    request(Guess, { email })
      .then(({ guessName }) => {
        if (!live) return;
        setValues((current) => ({
          ...current,
          firstName: typed.firstName ? current.firstName : (guessName.firstName ?? current.firstName),
          lastName: typed.lastName ? current.lastName : (guessName.lastName ?? current.lastName),
        }));
      })
      .catch((failure) => live && setError(messageOf(failure)));
    return () => {
      live = false;
    };
  }, [email]);

  useEffect(() => {
    if (email.length < MIN_TERM) {
      setSuggestions(null);
      return;
    }
    let live = true;
    request(Suggest, { email, firstName: first || null, lastName: last || null })
      .then((data) => live && setSuggestions(data.suggestIntegrationAccounts))
      .catch((failure) => live && setError(messageOf(failure)));
    return () => {
      live = false;
    };
  }, [email, first, last]);

  const accountIds = Object.values(selected).map((account) => account.id);
  const idsKey = accountIds.join(',');
  useEffect(() => {
    let live = true;
    request(Preview, { accountIds })
      .then((data) => live && setStatus(data.connectionStatusPreview))
      .catch((failure) => live && setError(messageOf(failure)));
    return () => {
      live = false;
    };
  }, [idsKey]);

  function toggle(account: Account) {
    const key = account.integration.key;
    const next = { ...selected };
    if (next[key]?.id === account.id) delete next[key];
    else next[key] = account;
    setSelected(next);
    setLinkError({});
  }

  async function create(another: boolean) {
    setBusy(true);
    setError(null);
    setNotice(null);
    setErrors({});
    setLinkError({});
    const chosen = Object.values(selected);
    try {
      const { user, userErrors } = (
        await request(Create, {
          input: {
            email: values.email.trim(),
            firstName: values.firstName.trim(),
            lastName: values.lastName.trim(),
            linkAccountIds: chosen.map((account) => account.id),
          },
        })
      ).createUser;
      if (userErrors.length > 0 || !user) {
        // A refused link names its place in linkAccountIds: shown at that account.
        const atAccounts: Record<string, string> = {};
        const others = userErrors.filter((failure) => {
          const path = failure.field ?? [];
          const index = path[path.length - 2] === 'linkAccountIds' ? Number(path[path.length - 1]) : Number.NaN;
          const account = chosen[index];
          if (account) atAccounts[account.id] = failure.message;
          return !account;
        });
        const sorted = sortErrors(others, KEYS);
        setErrors(sorted.atFields);
        setLinkError(atAccounts);
        setError(sorted.rest ?? (Object.keys(atAccounts).length > 0 ? 'An account could not be linked; no user was created.' : null));
        return;
      }
      const created = { name: `${user.firstName} ${user.lastName}`, status: user.status, seat: user.seat };
      onCreated(created);
      if (another) {
        setValues(EMPTY);
        setTyped({});
        setSelected({});
        setSuggestions(null);
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

  const set = (key: Key) => (value: string) => {
    setValues((current) => ({ ...current, [key]: value }));
    if (key !== 'email') setTyped((current) => ({ ...current, [key]: true }));
  };
  return (
    <dialog ref={dialog} class="dialog dialog-wide" aria-labelledby="from-accounts-title" onClose={onClose}>
      <h2 id="from-accounts-title">Create a user from integration accounts</h2>
      <p class="lead">Type an email (or 3 letters of it or of a name) to see the unlinked accounts that may be theirs.</p>
      <Alert message={error} />
      <Alert message={notice} tone="info" focus={false} />
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          create(false);
        }}
      >
        <TextField
          id="from-email"
          label="Email"
          inputMode="email"
          value={values.email}
          error={errors.email}
          onChange={set('email')}
          inputRef={emailField}
        />
        <div class="name-pair">
          <TextField id="from-firstName" label="First name" value={values.firstName} error={errors.firstName} onChange={set('firstName')} />
          <TextField id="from-lastName" label="Last name" value={values.lastName} error={errors.lastName} onChange={set('lastName')} />
        </div>
        <section aria-labelledby="from-suggestions-title">
          <h3 id="from-suggestions-title">Suggested accounts</h3>
          {suggestions === null ? (
            <p class="count">Suggestions appear once 3 characters are typed.</p>
          ) : suggestions.length === 0 ? (
            <p class="count">No unlinked account matches.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Integration</th>
                  <th scope="col">Account</th>
                  <th scope="col">Score</th>
                  <th scope="col">Why</th>
                  <th scope="col">
                    <span class="visually-hidden">Select</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {suggestions.map(({ account, score, reasons }) => {
                  const pressed = selected[account.integration.key]?.id === account.id;
                  const problem = linkError[account.id];
                  return (
                    <tr key={account.id} class={pressed ? 'picked' : undefined}>
                      <td>{account.integration.name}</td>
                      <td>
                        {accountLabel(account)}
                        {account.email && account.email !== accountLabel(account) && <div class="count">{account.email}</div>}
                        {account.matchingUser && (
                          <div class="count">
                            Matches user {account.matchingUser.firstName} {account.matchingUser.lastName}
                          </div>
                        )}
                        {problem && (
                          <p id={`link-error-${account.id}`} class="field-error">
                            {problem}
                          </p>
                        )}
                      </td>
                      <td>{score.toFixed(2)}</td>
                      <td>{reasons.join('; ')}</td>
                      <td>
                        <button
                          type="button"
                          aria-pressed={pressed}
                          aria-describedby={problem ? `link-error-${account.id}` : undefined}
                          onClick={() => toggle(account)}
                        >
                          {pressed ? 'Selected' : 'Select'}
                          <span class="visually-hidden">
                            {' '}
                            {accountLabel(account)} in {account.integration.name}
                          </span>
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </section>
        <section aria-labelledby="from-status-title" aria-live="polite">
          <h3 id="from-status-title">Connection status</h3>
          {status.length === 0 ? (
            <p class="count">No integration is in use in this organization yet.</p>
          ) : (
            <ul class="connections">
              {status.map((row) => (
                <li key={row.integration.key} class={row.linked ? 'linked' : undefined}>
                  {row.integration.name}: {row.linked ? `linked (${row.account?.externalId ?? 'selected'})` : 'not linked'}
                </li>
              ))}
            </ul>
          )}
        </section>
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
