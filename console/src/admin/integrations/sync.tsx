import { useEffect, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { messageOf, request } from '../../api';
import { graphql } from '../../gql';
import type { SyncScreenQuery } from '../../gql/graphql';
import { Alert } from '../../ui';

const SyncScreen = graphql(`
  query SyncScreen($key: String!) {
    integration(key: $key) {
      id
      key
      name
      kind
      cursor
      syncRuns(first: 10) {
        totalCount
        edges {
          node {
            id
            status
            trigger
            dryRun
            startedAt
            read
            created
            updated
            disabled
            skipped
            failed
            message
            company {
              name
            }
          }
        }
      }
      syncErrors(unresolved: true, first: 50) {
        totalCount
        edges {
          node {
            id
            code
            message
            externalId
            remoteId
            at
            user {
              email
              firstName
              lastName
            }
          }
        }
      }
    }
    organization {
      companies {
        id
        name
        sync {
          integrationKey
        }
      }
    }
  }
`);

const RunSync = graphql(`
  mutation RunSyncNow($input: RunSyncInput!) {
    runSync(input: $input) {
      syncRun {
        status
        read
        created
        updated
        failed
      }
      userErrors {
        code
        message
      }
    }
  }
`);

const ResetCursor = graphql(`
  mutation ResetSyncCursor($input: ResetSyncCursorInput!) {
    resetSyncCursor(input: $input) {
      integration {
        cursor
      }
      userErrors {
        code
        message
      }
    }
  }
`);

const SyncCompany = graphql(`
  mutation SyncOneCompany($input: SyncCompanyInput!) {
    syncCompany(input: $input) {
      syncRun {
        status
        read
      }
      userErrors {
        code
        message
      }
    }
  }
`);

const RetryError = graphql(`
  mutation RetrySyncError($input: RetrySyncErrorInput!) {
    retrySyncError(input: $input) {
      syncError {
        resolvedAt
      }
      userErrors {
        code
        message
      }
    }
  }
`);

const Adopt = graphql(`
  mutation AdoptRemoteAccount($input: AdoptRemoteAccountInput!) {
    adoptRemoteAccount(input: $input) {
      syncError {
        resolvedAt
      }
      userErrors {
        code
        message
      }
    }
  }
`);

const Confirm = graphql(`
  mutation ConfirmSyncRun($input: ConfirmSyncRunInput!) {
    confirmSyncRun(input: $input) {
      syncRun {
        status
      }
      userErrors {
        code
        message
      }
    }
  }
`);

const Discard = graphql(`
  mutation DiscardSyncRun($input: DiscardSyncRunInput!) {
    discardSyncRun(input: $input) {
      syncRun {
        status
      }
      userErrors {
        code
        message
      }
    }
  }
`);

type Refusal = { userErrors: readonly { code: string; message: string }[] };

/** A UTC ISO instant as the value of a datetime-local input (local time, to the minute). */
function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const at = new Date(iso);
  const local = new Date(at.getTime() - at.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : 'never (the next run reads everything)';
}

/** The sync screen of a DIRECTORY or PROVISIONING integration: cursor, runs, errors. */
export function IntegrationSync() {
  const { params } = useRoute();
  const key = params.key ?? '';
  const [data, setData] = useState<SyncScreenQuery | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [cursorError, setCursorError] = useState<string | null>(null);
  const [cursorValue, setCursorValue] = useState('');
  const [companyId, setCompanyId] = useState('');
  const [busy, setBusy] = useState(false);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    request(SyncScreen, { key })
      .then((answer) => {
        setData(answer);
        setCursorValue(toLocalInput(answer.integration?.cursor));
      })
      .catch((failure) => setError(messageOf(failure)));
  }, [key, version]);

  async function act(work: () => Promise<Refusal>, done: string) {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const answer = await work();
      const refused = answer.userErrors[0];
      if (refused) setError(`${refused.code}: ${refused.message}`);
      else setNotice(done);
      setVersion((v) => v + 1);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  const integration = data?.integration;
  if (data && !integration) return <Alert message={`No integration has the key ${key}.`} />;
  if (!integration) return error ? <Alert message={error} /> : <p class="loading">Loading…</p>;
  const id = integration.id;
  const runs = integration.syncRuns.edges.map((edge) => edge.node);
  const held = runs.filter((run) => run.status === 'AWAITING_CONFIRMATION');
  const errors = integration.syncErrors.edges.map((edge) => edge.node);
  const companies = data.organization.companies.filter((company) => company.sync?.integrationKey === integration.key);

  async function saveCursor(event: Event) {
    event.preventDefault();
    setCursorError(null);
    const to = cursorValue ? new Date(cursorValue).toISOString() : null;
    setBusy(true);
    try {
      const answer = await request(ResetCursor, { input: { integrationId: id, to } });
      const refused = answer.resetSyncCursor.userErrors[0];
      if (refused) setCursorError(`${refused.code}: ${refused.message}`);
      else {
        setNotice('Last updated is saved.');
        setVersion((v) => v + 1);
      }
    } catch (failure) {
      setCursorError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  const runNow = (dryRun: boolean) =>
    act(async () => {
      const answer = (await request(RunSync, { input: { integrationId: id, dryRun } })).runSync;
            return answer;
    }, dryRun ? 'The dry run ended: see its counts below.' : 'The run ended: see its counts below.');

  return (
    <main class="screen" aria-labelledby="sync-title">
      <p>
        <a href="/admin/integrations">← Integrations</a>
      </p>
      <h1 id="sync-title">Sync: {integration.name}</h1>
      <p>
        {integration.kind === 'DIRECTORY' ? 'Directory (people come from here)' : 'Provisioning (users are pushed there)'}
      </p>
      {error && <Alert message={error} />}
      {notice && <Alert message={notice} tone="info" />}

      <h2>Last updated</h2>
      <p>The next run reads changes since {when(integration.cursor)}.</p>
      <form onSubmit={saveCursor}>
        <div class="field">
          <label for="sync-cursor">Last updated</label>
          <input
            id="sync-cursor"
            type="datetime-local"
            value={cursorValue}
            aria-invalid={cursorError ? true : undefined}
            aria-describedby={cursorError ? 'sync-cursor-error' : undefined}
            onInput={(event) => setCursorValue(event.currentTarget.value)}
          />
          {cursorError && (
            <p id="sync-cursor-error" class="field-error">
              {cursorError}
            </p>
          )}
        </div>
        <button type="submit" disabled={busy}>
          Save last updated
        </button>
      </form>

      <h2>Run</h2>
      <div class="actions">
        <button type="button" disabled={busy} onClick={() => runNow(false)}>
          Run now
        </button>
        <button type="button" disabled={busy} onClick={() => runNow(true)}>
          Dry run
        </button>
      </div>

      {integration.kind === 'DIRECTORY' && (
        <>
          <h2>Resync one company</h2>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              if (companyId) act(async () => (await request(SyncCompany, { input: { companyId } })).syncCompany, 'The company is resynced.');
            }}
          >
            <div class="field">
              <label for="sync-company">Company</label>
              <select id="sync-company" value={companyId} onChange={(event) => setCompanyId(event.currentTarget.value)}>
                <option value="">Choose a company</option>
                {companies.map((company) => (
                  <option key={company.id} value={company.id}>
                    {company.name}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" disabled={busy || !companyId}>
              Resync company
            </button>
          </form>
        </>
      )}

      {held.length > 0 && (
        <>
          <h2>Held runs</h2>
          <ul>
            {held.map((run) => (
              <li key={run.id}>
                {when(run.startedAt)}: would disable {run.disabled}. {run.message}{' '}
                <button type="button" disabled={busy} onClick={() => act(async () => (await request(Confirm, { input: { runId: run.id } })).confirmSyncRun, 'The held run is applied.')}>
                  Confirm
                </button>{' '}
                <button type="button" disabled={busy} onClick={() => act(async () => (await request(Discard, { input: { runId: run.id } })).discardSyncRun, 'The held run is discarded.')}>
                  Discard
                </button>
              </li>
            ))}
          </ul>
        </>
      )}

      <h2>Errors ({integration.syncErrors.totalCount} unresolved)</h2>
      {errors.length === 0 ? (
        <p>No unresolved errors.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Code</th>
              <th scope="col">User</th>
              <th scope="col">Message</th>
              <th scope="col">When</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {errors.map((row) => (
              <tr key={row.id}>
                <td>{row.code}</td>
                <td>{row.user ? (row.user.email ?? `${row.user.firstName} ${row.user.lastName}`) : row.externalId || '—'}</td>
                <td>{row.message}</td>
                <td>{when(row.at)}</td>
                <td>
                  <button type="button" disabled={busy} onClick={() => act(async () => (await request(RetryError, { input: { errorId: row.id } })).retrySyncError, 'The record is retried.')}>
                    Retry
                  </button>
                  {row.code === 'REMOTE_EMAIL_EXISTS' && (
                    <>
                      {' '}
                      <button type="button" disabled={busy} onClick={() => act(async () => (await request(Adopt, { input: { errorId: row.id } })).adoptRemoteAccount, 'The app account is adopted.')}>
                        Adopt account
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Runs ({integration.syncRuns.totalCount}, newest first)</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Status</th>
            <th scope="col">Trigger</th>
            <th scope="col">Read</th>
            <th scope="col">Created</th>
            <th scope="col">Updated</th>
            <th scope="col">Skipped</th>
            <th scope="col">Failed</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id}>
              <td>{when(run.startedAt)}</td>
              <td>
                {run.status}
                {run.dryRun ? ' (dry run)' : ''}
              </td>
              <td>
                {run.trigger}
                {run.company ? `: ${run.company.name}` : ''}
              </td>
              <td>{run.read}</td>
              <td>{run.created}</td>
              <td>{run.updated}</td>
              <td>{run.skipped}</td>
              <td>{run.failed}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
