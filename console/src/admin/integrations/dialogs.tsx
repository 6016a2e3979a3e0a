// The dialogs of an integration's accounts: backfill a linked account's activity from a date
// (requestBackfill), and unlink an account from its user (confirmed first).
import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf, request } from '../../api';
import { graphql } from '../../gql';
import { Alert } from '../../ui';
import type { IntegrationHead } from './accounts';
import { typedMessage } from './errors';
import { personName } from './unlinked';

const RequestBackfill = graphql(`
  mutation RequestBackfill($input: RequestBackfillInput!) {
    requestBackfill(input: $input) {
      backfillRequest {
        since
      }
      userErrors {
        field
        code
        message
      }
    }
  }
`);
const UnlinkAccount = graphql(`
  mutation UnlinkAccount($input: UnlinkIntegrationAccountInput!) {
    unlinkIntegrationAccount(input: $input) {
      user {
        id
      }
      userErrors {
        code
        message
      }
    }
  }
`);

export type LinkedUser = {
  id: string;
  firstName: string;
  lastName: string;
  email?: string | null;
  username?: string | null;
  status: string;
  seat: string;
  createdAt: string;
};

function useModal(onClose: () => void) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return { dialog, props: { ref: dialog, class: 'dialog', onClose } };
}

export function Backfill({ integration, user, onClose }: { integration: IntegrationHead; user: LinkedUser; onClose: (message: string | null) => void }) {
  const done = useRef<string | null>(null);
  const { dialog, props } = useModal(() => onClose(done.current));
  // The join date is the user's creation in Roster unless the admin knows an earlier one.
  const [date, setDate] = useState(user.createdAt.slice(0, 10));
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const name = personName(user);

  async function send() {
    setBusy(true);
    setError(null);
    setFieldError(null);
    try {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) {
        setFieldError('Enter a date.');
        return;
      }
      const { userErrors } = (await request(RequestBackfill, { input: { userId: user.id, integrationId: integration.id, since: `${date}T00:00:00Z` } })).requestBackfill;
      const failure = userErrors[0];
      if (failure) {
        if (failure.field?.[failure.field.length - 1] === 'since') setFieldError(failure.message);
        else setError(typedMessage(failure));
        return;
      }
      done.current = `${integration.name} is asked to send ${name}'s activity since ${date}.`;
      dialog.current?.close();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog {...props} aria-labelledby="backfill-title">
      <h2 id="backfill-title">Backfill {name}</h2>
      <p class="lead">
        Ask {integration.name} to send {name}'s activity again from a date, for instance the day they joined.
      </p>
      <Alert message={error} />
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          send();
        }}
      >
        <div class="field">
          <label for="backfill-since">Join date</label>
          <input
            id="backfill-since"
            type="date"
            value={date}
            aria-invalid={fieldError ? 'true' : undefined}
            aria-describedby={fieldError ? 'backfill-since-error' : undefined}
            onInput={(event) => setDate(event.currentTarget.value)}
          />
          {fieldError && (
            <p id="backfill-since-error" class="field-error">
              {fieldError}
            </p>
          )}
        </div>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            Request backfill
          </button>
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}

export function Unlink({
  account,
  label,
  onClose,
}: {
  account: { id: string; linkedUser?: LinkedUser | null };
  label: string;
  onClose: (message: string | null) => void;
}) {
  const done = useRef<string | null>(null);
  const { dialog, props } = useModal(() => onClose(done.current));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const name = account.linkedUser ? personName(account.linkedUser) : 'its user';

  async function unlink() {
    setBusy(true);
    setError(null);
    try {
      const failure = (await request(UnlinkAccount, { input: { accountId: account.id } })).unlinkIntegrationAccount.userErrors[0];
      if (failure) {
        setError(typedMessage(failure));
        return;
      }
      done.current = `${label} is unlinked from ${name}.`;
      dialog.current?.close();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog {...props} aria-labelledby="unlink-title">
      <h2 id="unlink-title">Unlink {label}?</h2>
      <p class="lead">
        The account goes back to Unlinked; {name} keeps everything else.
      </p>
      <Alert message={error} />
      <div class="actions">
        <button type="button" class="primary" disabled={busy} onClick={unlink}>
          Unlink
        </button>
        <button type="button" onClick={() => dialog.current?.close()}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
