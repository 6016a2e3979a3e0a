// What an admin does to one user from the Users list: a modal dialog (native <dialog>, so
// focus is held inside and Escape closes it) with the seat switch, invitation, disable/enable,
// delete, a one-time password, and their roles, identities and licences (./user-access.tsx). Billable and destructive steps ask for confirmation first.
import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf, request } from '../api';
import { graphql } from '../gql';
import type { Seat, UserStatus, UsersQuery } from '../gql/graphql';
import { Alert } from '../ui';
import { UserAccess } from './user-access';
import { UserEdit } from './user-edit';

type UserRow = UsersQuery['users']['edges'][number]['node'];
type Outcome = { userErrors: readonly { message: string }[]; user?: { status: UserStatus; seat: Seat } | null };

const SeatUsage = graphql(`
  query SeatUsage {
    organization {
      seats {
        full
        limit
      }
    }
  }
`);
const SetSeat = graphql(`
  mutation SetUserSeat($input: SetUserSeatInput!) {
    setUserSeat(input: $input) {
      user {
        status
        seat
      }
      userErrors {
        code
        message
      }
    }
  }
`);
const Invite = graphql(`
  mutation InviteUserAction($input: InviteUserInput!) {
    inviteUser(input: $input) {
      userErrors {
        message
      }
    }
  }
`);
const Disable = graphql(`
  mutation DisableUser($input: DisableUserInput!) {
    disableUser(input: $input) {
      user {
        status
        seat
      }
      userErrors {
        message
      }
    }
  }
`);
const Enable = graphql(`
  mutation EnableUser($input: EnableUserInput!) {
    enableUser(input: $input) {
      user {
        status
        seat
      }
      userErrors {
        message
      }
    }
  }
`);
const Delete = graphql(`
  mutation DeleteUser($input: DeleteUserInput!) {
    deleteUser(input: $input) {
      userErrors {
        message
      }
    }
  }
`);
const OneTimePassword = graphql(`
  mutation SetOneTimePasswordAction($input: SetOneTimePasswordInput!) {
    setOneTimePassword(input: $input) {
      userErrors {
        message
      }
    }
  }
`);

// No look-alike characters (0/O, 1/l/I): the admin reads this password out to the user.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
const PASSWORD_LENGTH = 20;

/** A strong password made here, from the browser's CSPRNG, without modulo bias. */
export function generatePassword(): string {
  const limit = 256 - (256 % ALPHABET.length);
  let password = '';
  while (password.length < PASSWORD_LENGTH) {
    for (const byte of crypto.getRandomValues(new Uint8Array(32))) {
      if (byte < limit && password.length < PASSWORD_LENGTH) password += ALPHABET[byte % ALPHABET.length];
    }
  }
  return password;
}

type Confirm = { text: string; action: string; run: () => Promise<Outcome>; done: string };

export function UserActions({ user: row, onClose }: { user: UserRow; onClose: (changed: boolean, message: string | null) => void }) {
  const [user, setUser] = useState(row);
  const dialog = useRef<HTMLDialogElement>(null);
  const [confirm, setConfirm] = useState<Confirm | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [password, setPassword] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [editing, setEditing] = useState(false);
  const [access, setAccess] = useState(false);
  const [changed, setChanged] = useState(false);
  // Said on the Users page once the dialog closes (a deleted user's dialog closes itself).
  const [gone, setGone] = useState<string | null>(null);
  const name = `${user.firstName} ${user.lastName}`.trim() || user.email || user.username || 'this user';
  const id = { input: { userId: user.id } };

  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  useEffect(() => {
    if (gone) dialog.current?.close();
  }, [gone]);

  async function act(run: () => Promise<Outcome>, done: string): Promise<boolean> {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const outcome = await run();
      const failure = outcome.userErrors[0];
      if (failure) {
        setError(failure.message);
        return false;
      }
      const updated = outcome.user;
      if (updated) setUser((before) => ({ ...before, status: updated.status, seat: updated.seat }));
      setChanged(true);
      setNotice(done);
      return true;
    } catch (failure) {
      setError(messageOf(failure));
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function askSeat(seat: Seat) {
    const run = async () => (await request(SetSeat, { input: { userId: user.id, seat } })).setUserSeat;
    if (seat === 'OBSERVER') {
      await act(run, `${name} is now an observer.`);
      return;
    }
    try {
      const { seats } = (await request(SeatUsage)).organization;
      const limit = seats.limit === null || seats.limit === undefined ? 'no limit' : `a limit of ${seats.limit}`;
      setConfirm({
        text: `A full seat is billable. ${seats.full} of your full seats are in use (${limit}). Make ${name} a full user?`,
        action: 'Make full user',
        run,
        done: `${name} is now a full user.`,
      });
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  async function onePassword() {
    const chosen = generatePassword();
    if (await act(async () => (await request(OneTimePassword, { input: { userId: user.id, password: chosen } })).setOneTimePassword, `A one-time password is set for ${name}.`)) {
      setPassword(chosen);
    }
  }

  const invited = user.status === 'INVITED';
  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="user-actions-title" onClose={() => onClose(changed, gone)}>
      <h2 id="user-actions-title">{name}</h2>
      <p class="lead">{user.email ?? user.username}</p>
      <Alert message={error} />
      <Alert message={notice} tone="info" />
      {password && (
        <div class="secret">
          <p>Give this password to {name}. It is shown only once; they choose their own at the next sign-in.</p>
          <output aria-label="One-time password">{password}</output>
        </div>
      )}
      {access ? (
        <>
          <UserAccess userId={user.id} name={name} onChanged={() => setChanged(true)} />
          <button type="button" onClick={() => setAccess(false)}>
            Back to actions
          </button>
        </>
      ) : editing ? (
        <UserEdit
          userId={user.id}
          onDone={(saved) => {
            setEditing(false);
            if (saved) {
              setChanged(true);
              setNotice(`${name}'s details are saved.`);
            }
          }}
        />
      ) : confirm ? (
        <div class="confirm">
          <p>{confirm.text}</p>
          <div class="actions">
            <button
              type="button"
              class="primary"
              disabled={busy}
              onClick={async () => {
                const step = confirm;
                setConfirm(null);
                if ((await act(step.run, step.done)) && step.action === 'Delete user') {
                  setGone(step.done);
                }
              }}
            >
              {confirm.action}
            </button>
            <button type="button" onClick={() => setConfirm(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <div class="actions">
          {user.seat === 'FULL' ? (
            <button type="button" disabled={busy} onClick={() => askSeat('OBSERVER')}>
              Make observer
            </button>
          ) : (
            <button type="button" disabled={busy} onClick={() => askSeat('FULL')}>
              Make full user
            </button>
          )}
          {user.status !== 'ACTIVE' && user.status !== 'DISABLED' && (
            <button
              type="button"
              disabled={busy}
              onClick={() => act(async () => (await request(Invite, id)).inviteUser, `An invitation is on its way to ${name}.`)}
            >
              {invited ? 'Resend invitation' : 'Invite'}
            </button>
          )}
          {user.status === 'DISABLED' ? (
            <button type="button" disabled={busy} onClick={() => act(async () => (await request(Enable, id)).enableUser, `${name} is enabled.`)}>
              Enable
            </button>
          ) : (
            <button type="button" disabled={busy} onClick={() => act(async () => (await request(Disable, id)).disableUser, `${name} is disabled.`)}>
              Disable
            </button>
          )}
          <button type="button" disabled={busy} onClick={() => setEditing(true)}>
            Edit
          </button>
          <button type="button" disabled={busy} onClick={onePassword}>
            Set one-time password
          </button>
          <button type="button" disabled={busy} onClick={() => setAccess(true)}>
            Roles, identities and licences
          </button>
          <button
            type="button"
            class="danger"
            disabled={busy}
            onClick={() =>
              setConfirm({
                text: `Delete ${name}? This cannot be undone.`,
                action: 'Delete user',
                run: async () => (await request(Delete, id)).deleteUser,
                done: `${name} is deleted.`,
              })
            }
          >
            Delete
          </button>
        </div>
      )}
      <form method="dialog" class="close">
        <button type="submit">Close</button>
      </form>
    </dialog>
  );
}
