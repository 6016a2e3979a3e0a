// /admin/integrations: the organization's integrations (other systems whose accounts are
// linked to users), with their account counts, Configure, and for directory and
// provisioning integrations a link to their sync screen.
import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf, request } from '../../api';
import { graphql } from '../../gql';
import type { IntegrationsQuery } from '../../gql/graphql';
import { useOpenings } from '../../openings';
import { Alert } from '../../ui';
import { AddIntegration } from './add';
import { Configure } from './configure';
import { kindName, syncs } from './kinds';

const IntegrationsList = graphql(`
  query Integrations {
    organization {
      integrations {
        id
        key
        name
        kind
        connected
        unlinked: unlinkedAccounts(first: 0) {
          totalCount
        }
        linked: linkedAccounts(first: 0) {
          totalCount
        }
        syncSettings {
          baseUrl
          hasBearerToken
          intervalMinutes
          disableThreshold
          companyAttribute
          syncPhone
          departmentAttribute
          productKey
          requiresEmail
        }
      }
    }
  }
`);

export type IntegrationRow = IntegrationsQuery['organization']['integrations'][number];

export function Integrations() {
  const [rows, setRows] = useState<readonly IntegrationRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // The integration being configured (a late close event of an earlier dialog is ignored).
  const configure = useOpenings<IntegrationRow>();
  const configuring = configure.opened;
  const [version, setVersion] = useState(0);
  // Where focus goes back when the Configure dialog closes: the button that opened it.
  const opener = useRef<HTMLButtonElement | null>(null);

  useEffect(() => {
    document.title = 'Integrations · Roster';
  }, []);
  useEffect(() => {
    let live = true;
    request(IntegrationsList)
      .then((data) => {
        if (!live) return;
        setRows(data.organization.integrations);
        setError(null);
      })
      .catch((failure) => live && setError(messageOf(failure)));
    return () => {
      live = false;
    };
  }, [version]);

  return (
    <main class="screen">
      <div class="heading">
        <h1>Integrations</h1>
      </div>
      <p class="lead">Other systems whose accounts Roster links to your users: activity sources, directories Roster syncs from, and apps it provisions.</p>
      <Alert message={error} />
      <Alert message={notice} tone="info" />
      {rows === null ? (
        <p class="count">Loading…</p>
      ) : rows.length === 0 ? (
        <p>
          No integrations yet. Add one below (or with <code>roster integration add</code>).
        </p>
      ) : (
        <table>
          <caption class="visually-hidden">Integrations</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Kind</th>
              <th scope="col">State</th>
              <th scope="col">Unlinked accounts</th>
              <th scope="col">Linked accounts</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id}>
                <td>
                  <a href={`/admin/integrations/${encodeURIComponent(row.key)}`}>{row.name}</a>
                </td>
                <td>
                  <code>{row.key}</code>
                </td>
                <td>{kindName(row.kind)}</td>
                <td>{row.connected ? 'connected' : 'disconnected'}</td>
                <td>{row.unlinked.totalCount}</td>
                <td>{row.linked.totalCount}</td>
                <td>
                  <div class="row-actions">
                    <button
                      type="button"
                      aria-label={`Configure ${row.name}`}
                      onClick={(event) => {
                        opener.current = event.currentTarget;
                        setNotice(null);
                        configure.open(row);
                      }}
                    >
                      Configure
                    </button>
                    {syncs(row.kind) && (
                      <a class="button" href={`/admin/integrations/${encodeURIComponent(row.key)}/sync`} aria-label={`Sync ${row.name}`}>
                        Sync
                      </a>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <AddIntegration
        onStart={() => setNotice(null)}
        onAdded={(name) => {
          setNotice(`${name} is added.`);
          setVersion((count) => count + 1);
        }}
      />
      {configuring && (
        <Configure
          key={configuring.opening}
          integration={configuring.value}
          onClose={(saved) => {
            if (!configure.close(configuring.opening)) return; // a dialog already replaced

            if (saved) {
              setNotice(saved);
              setVersion((count) => count + 1);
            } else {
              opener.current?.focus();
            }
          }}
        />
      )}
    </main>
  );
}
