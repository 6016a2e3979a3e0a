// The Linked tab: accounts linked to a user (each with a link to that user on the Users page),
// a backfill of an account's activity from a join date, and unlink (confirmed first).
import { useRef, useState } from 'preact/hooks';
import { request } from '../../api';
import { graphql } from '../../gql';
import type { LinkedAccountsQuery } from '../../gql/graphql';
import { Alert } from '../../ui';
import type { IntegrationHead } from './accounts';
import { Backfill, Unlink } from './dialogs';
import { userHref } from './kinds';
import { PAGE_SIZE, Pager, usePages } from './paging';
import { accountLabel, personName } from './unlinked';

const LinkedPage = graphql(`
  query LinkedAccounts($key: String!, $search: String, $first: Int!, $after: String) {
    integration(key: $key) {
      linkedAccounts(search: $search, first: $first, after: $after) {
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
            lastActivityAt
            activityCount
            linkedAt
            linkedUser {
              id
              firstName
              lastName
              email
              username
              status
              seat
              createdAt
            }
          }
        }
      }
    }
  }
`);

type Account = NonNullable<LinkedAccountsQuery['integration']>['linkedAccounts']['edges'][number]['node'];
type Props = { integration: IntegrationHead; search: string; version: number; onChanged: () => void };

export function Linked({ integration, search, version, onChanged }: Props) {
  const pages = usePages(
    async (term, after) => (await request(LinkedPage, { key: integration.key, search: term, first: PAGE_SIZE, after })).integration?.linkedAccounts ?? null,
    search,
    version,
    `${integration.key}:linked`,
  );
  const [acting, setActing] = useState<{ account: Account; action: 'backfill' | 'unlink' } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Where focus goes back when a dialog closes with nothing done: the row's button.
  const opener = useRef<HTMLButtonElement | null>(null);

  const open = (account: Account, action: 'backfill' | 'unlink') => (event: { currentTarget: HTMLButtonElement }) => {
    opener.current = event.currentTarget;
    setNotice(null);
    setActing({ account, action });
  };
  const closed = (message: string | null, changed: boolean) => {
    setActing(null);
    setNotice(message);
    if (changed) onChanged();
    if (!message) opener.current?.focus();
  };

  const rows = pages.page?.edges ?? [];
  return (
    <>
      <Alert message={pages.error} />
      <Alert message={notice} tone="info" />
      <p class="count" aria-live="polite">
        {pages.page ? `${pages.page.totalCount} linked ${pages.page.totalCount === 1 ? 'account' : 'accounts'}` : 'Loading…'}
      </p>
      <table>
        <caption class="visually-hidden">Linked accounts of {integration.name}</caption>
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">External id</th>
            <th scope="col">Linked to</th>
            <th scope="col">Linked</th>
            <th scope="col">Activity</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ node: account }) => {
            const label = accountLabel(account);
            const user = account.linkedUser;
            return (
              <tr key={account.id}>
                <td>{label}</td>
                <td>
                  <code>{account.externalId}</code>
                </td>
                <td>{user ? <a href={userHref(user)}>{personName(user)}</a> : '—'}</td>
                <td>{account.linkedAt ? new Date(account.linkedAt).toLocaleDateString() : '—'}</td>
                <td>
                  {account.activityCount} {account.activityCount === 1 ? 'event' : 'events'}, last {new Date(account.lastActivityAt).toLocaleDateString()}
                </td>
                <td>
                  <div class="row-actions">
                    <button type="button" disabled={!user || !integration.connected} aria-label={`Backfill ${label}`} onClick={open(account, 'backfill')}>
                      Backfill
                    </button>
                    <button type="button" aria-label={`Unlink ${label}`} onClick={open(account, 'unlink')}>
                      Unlink
                    </button>
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {pages.page && rows.length === 0 && <p>No linked accounts{pages.term ? ` match “${pages.term}”` : ''}.</p>}
      <Pager number={pages.number} hasNext={pages.page?.pageInfo.hasNextPage ?? false} onPrevious={pages.previous} onNext={pages.next} />
      {acting?.action === 'backfill' && acting.account.linkedUser && (
        <Backfill integration={integration} user={acting.account.linkedUser} onClose={(message) => closed(message, false)} />
      )}
      {acting?.action === 'unlink' && (
        <Unlink account={acting.account} label={accountLabel(acting.account)} onClose={(message) => closed(message, message !== null)} />
      )}
    </>
  );
}
