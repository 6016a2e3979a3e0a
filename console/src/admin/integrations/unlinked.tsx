// The Unlinked tab: accounts no user holds yet, each with the user that has its email (if
// any). Link/Create (createUserFromIntegrationAccount) links the account to that user, or
// makes an observer from the account's data; a backfill from a join date can follow.
import { useState } from 'preact/hooks';
import { messageOf, request } from '../../api';
import { graphql } from '../../gql';
import { Alert } from '../../ui';
import type { IntegrationHead } from './accounts';
import { Backfill, type LinkedUser } from './dialogs';
import { typedMessage } from './errors';
import { userHref } from './kinds';
import { PAGE_SIZE, Pager, usePages } from './paging';

const UnlinkedPage = graphql(`
  query UnlinkedAccounts($key: String!, $search: String, $first: Int!, $after: String) {
    integration(key: $key) {
      unlinkedAccounts(search: $search, first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            externalId
            email
            displayName
            firstName
            lastName
            lastActivityAt
            activityCount
            matchingUser {
              id
              firstName
              lastName
              email
              username
              status
              seat
            }
          }
        }
      }
    }
  }
`);
const LinkCreate = graphql(`
  mutation LinkCreate($input: CreateUserFromIntegrationAccountInput!) {
    createUserFromIntegrationAccount(input: $input) {
      user {
        id
        firstName
        lastName
        email
        username
        status
        seat
        createdAt
      }
      userErrors {
        code
        message
      }
    }
  }
`);

type Props = { integration: IntegrationHead; search: string; version: number; onChanged: () => void };

/** How an account is named on screen: its email, else its name, else its external id. */
export function accountLabel(account: { email?: string | null; displayName?: string | null; externalId: string }): string {
  return account.email ?? account.displayName ?? account.externalId;
}

export function personName(user: { firstName: string; lastName: string; email?: string | null; username?: string | null }): string {
  return `${user.firstName} ${user.lastName}`.trim() || user.email || user.username || 'this user';
}

export function Unlinked({ integration, search, version, onChanged }: Props) {
  const pages = usePages(
    async (term, after) => (await request(UnlinkedPage, { key: integration.key, search: term, first: PAGE_SIZE, after })).integration?.unlinkedAccounts ?? null,
    search,
    version,
    `${integration.key}:unlinked`,
  );
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<{ text: string; user: LinkedUser } | null>(null);
  const [backfilling, setBackfilling] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  async function linkCreate(accountId: string, label: string, existing: boolean) {
    setBusy(true);
    setError(null);
    setNotice(null);
    setDone(null);
    try {
      const { user, userErrors } = (await request(LinkCreate, { input: { accountId } })).createUserFromIntegrationAccount;
      const failure = userErrors[0];
      if (failure || !user) {
        setError(failure ? typedMessage(failure) : 'Nothing changed.');
        return;
      }
      const name = personName(user);
      setDone({
        text: !existing ? `${name} is created as ${user.seat === 'FULL' ? 'a full user' : 'an observer'} and linked to ${label}.` : `${label} is linked to ${name}.`,
        user,
      });
      onChanged();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  const rows = pages.page?.edges ?? [];
  return (
    <>
      <Alert message={error ?? pages.error} />
      <Alert message={done?.text ?? null} tone="info" />
      <Alert message={notice} tone="info" />
      {done && (
        <p class="next-steps">
          <a href={userHref(done.user)}>Open {personName(done.user)} in Users</a>
          <button type="button" onClick={() => setBackfilling(true)}>
            Backfill from a join date
          </button>
        </p>
      )}
      <p class="count" aria-live="polite">
        {pages.page ? `${pages.page.totalCount} unlinked ${pages.page.totalCount === 1 ? 'account' : 'accounts'}` : 'Loading…'}
      </p>
      <table>
        <caption class="visually-hidden">Unlinked accounts of {integration.name}</caption>
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">Email</th>
            <th scope="col">External id</th>
            <th scope="col">Activity</th>
            <th scope="col">User with this email</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ node: account }) => {
            const label = accountLabel(account);
            const match = account.matchingUser;
            return (
              <tr key={account.id}>
                <td>{account.displayName ?? (`${account.firstName ?? ''} ${account.lastName ?? ''}`.trim() || '—')}</td>
                <td>{account.email ?? '—'}</td>
                <td>
                  <code>{account.externalId}</code>
                </td>
                <td>
                  {account.activityCount} {account.activityCount === 1 ? 'event' : 'events'}, last {new Date(account.lastActivityAt).toLocaleDateString()}
                </td>
                <td>{match ? <a href={userHref(match)}>{personName(match)}</a> : 'none'}</td>
                <td>
                  <button
                    type="button"
                    disabled={busy || !integration.connected}
                    aria-label={match ? `Link ${label} to ${personName(match)}` : `Create user from ${label}`}
                    onClick={() => linkCreate(account.id, label, match !== null && match !== undefined)}
                  >
                    {match ? 'Link' : 'Create user'}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {pages.page && rows.length === 0 && <p>No unlinked accounts{pages.term ? ` match “${pages.term}”` : ''}.</p>}
      <Pager number={pages.number} hasNext={pages.page?.pageInfo.hasNextPage ?? false} onPrevious={pages.previous} onNext={pages.next} />
      {backfilling && done && (
        <Backfill
          integration={integration}
          user={done.user}
          onClose={(message) => {
            setBackfilling(false);
            if (message) {
              setDone(null);
              setNotice(message);
            }
          }}
        />
      )}
    </>
  );
}
