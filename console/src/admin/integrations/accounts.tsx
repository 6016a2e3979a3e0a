// /admin/integrations/:key: one integration's accounts in two tabs, Unlinked (Link/Create)
// and Linked (the user each is linked to, backfill, unlink), each searched and paged.

import { useEffect, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { messageOf, request } from '../../api';
import { graphql } from '../../gql';
import type { IntegrationHeaderQuery } from '../../gql/graphql';
import { Alert } from '../../ui';
import { kindName, syncs } from './kinds';
import { Linked } from './linked';
import { Unlinked } from './unlinked';

const Header = graphql(`
  query IntegrationHeader($key: String!) {
    integration(key: $key) {
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
    }
  }
`);

export type IntegrationHead = NonNullable<IntegrationHeaderQuery['integration']>;

const TABS = [
  { key: 'unlinked', label: 'Unlinked' },
  { key: 'linked', label: 'Linked' },
] as const;
type TabKey = (typeof TABS)[number]['key'];

export function IntegrationAccounts() {
  const { params } = useRoute();
  const { query } = useLocation();
  const key = params.integration ?? '';
  const [integration, setIntegration] = useState<IntegrationHead | null | undefined>(undefined);
  const [tab, setTab] = useState<TabKey>(query.tab === 'linked' ? 'linked' : 'unlinked');
  const [search, setSearch] = useState('');
  const [error, setError] = useState<string | null>(null);
  // Bumped after a change (link, unlink): the counts and the page are fetched again.
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let live = true;
    request(Header, { key })
      .then((data) => {
        if (!live) return;
        setIntegration(data.integration ?? null);
        if (data.integration) document.title = `${data.integration.name} · Integrations · Roster`;
      })
      .catch((failure) => live && setError(messageOf(failure)));
    return () => {
      live = false;
    };
  }, [key, version]);

  if (integration === null) {
    return (
      <main class="screen">
        <h1>No such integration</h1>
        <p>
          This organization has no integration “{key}”. <a href="/admin/integrations">All integrations</a>
        </p>
      </main>
    );
  }
  const changed = () => setVersion((count) => count + 1);
  return (
    <main class="screen">
      <p class="crumbs">
        <a href="/admin/integrations">Integrations</a>
      </p>
      <div class="heading">
        <h1>{integration?.name ?? key}</h1>
        {integration && syncs(integration.kind) && (
          <a class="button" href={`/admin/integrations/${encodeURIComponent(key)}/sync`}>
            Sync
          </a>
        )}
      </div>
      {integration && (
        <p class="lead">
          {kindName(integration.kind)} integration <code>{integration.key}</code>, {integration.connected ? 'connected' : 'disconnected'}.
        </p>
      )}
      <Alert message={error} />
      <h2 class="subhead">Users</h2>
      <div class="toolbar">
        <div role="tablist" aria-label="Which accounts">
          {TABS.map((candidate) => (
            <button
              type="button"
              role="tab"
              key={candidate.key}
              id={`tab-${candidate.key}`}
              aria-selected={candidate.key === tab}
              aria-controls="accounts-panel"
              onClick={() => setTab(candidate.key)}
            >
              {candidate.label}
              {integration ? ` (${integration[candidate.key].totalCount})` : ''}
            </button>
          ))}
        </div>
        <div class="search">
          <label for="account-search">Search accounts</label>
          <input
            id="account-search"
            type="search"
            value={search}
            placeholder="Email, name or external id"
            onInput={(event) => setSearch(event.currentTarget.value)}
          />
        </div>
      </div>
      <section id="accounts-panel" role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {integration &&
          (tab === 'unlinked' ? (
            <Unlinked integration={integration} search={search} version={version} onChanged={changed} />
          ) : (
            <Linked integration={integration} search={search} version={version} onChanged={changed} />
          ))}
      </section>
    </main>
  );
}
