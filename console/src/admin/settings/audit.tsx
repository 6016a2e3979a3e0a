// Settings → Audit log: newest first, a page at a time (cursor paging), filtered by the object
// acted on (the API's targetId filter); each change shown as field: before → after.
import { useCallback, useState } from 'preact/hooks';
import { request } from '../../api';
import { graphql } from '../../gql';
import { Alert } from '../../ui';
import { SettingsScreen, useLoaded, when } from './common';

const Events = graphql(`
  query AuditLog($targetId: ID, $after: String) {
    auditEvents(targetId: $targetId, first: 25, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          action
          actorType
          actorId
          targetType
          targetId
          at
          changes {
            field
            before
            after
          }
        }
      }
    }
  }
`);

/** A JSON value as people read it: strings without quotes, nothing as a dash. */
function readable(json: string | null | undefined): string {
  if (json === null || json === undefined) return '—';
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    return json;
  }
}

export function AuditLog() {
  const [error, setError] = useState<string | null>(null);
  const [target, setTarget] = useState('');
  const [filter, setFilter] = useState<string | null>(null);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const load = useCallback(() => request(Events, { targetId: filter, after }), [filter, after]);
  const [data] = useLoaded(load, setError);
  const result = data?.auditEvents;
  const page = cursors.length;

  return (
    <SettingsScreen title="Audit log">
      <Alert message={error} />
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          setFilter(target.trim() || null);
          setCursors([null]);
        }}
      >
        <div class="search">
          <label for="audit-target">Object id</label>
          <input id="audit-target" type="text" value={target} onInput={(event) => setTarget(event.currentTarget.value)} />
        </div>
        <button type="submit">Filter</button>
      </form>
      <p class="count" aria-live="polite">
        {result ? `${result.totalCount} events${filter ? ` about ${filter}` : ''}, page ${page}` : 'Loading…'}
      </p>
      <table>
        <caption class="visually-hidden">Audit events, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Action</th>
            <th scope="col">Actor</th>
            <th scope="col">Object</th>
            <th scope="col">Changes</th>
          </tr>
        </thead>
        <tbody>
          {result?.edges.map(({ node }) => (
            <tr key={node.id}>
              <td>{when(node.at)}</td>
              <td>{node.action}</td>
              <td>
                {node.actorType}
                {node.actorId && <span class="id"> {node.actorId}</span>}
              </td>
              <td>
                {node.targetType}
                {node.targetId && (
                  <button
                    type="button"
                    class="link"
                    aria-label={`Only events about ${node.targetId}`}
                    onClick={() => {
                      setTarget(node.targetId ?? '');
                      setFilter(node.targetId ?? null);
                      setCursors([null]);
                    }}
                  >
                    {node.targetId}
                  </button>
                )}
              </td>
              <td>
                {node.changes.length > 0 && (
                  <ul class="changes">
                    {node.changes.map((change) => (
                      <li key={change.field}>
                        {change.field}: {readable(change.before)} → {readable(change.after)}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={page === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer
        </button>
        <button
          type="button"
          disabled={!result?.pageInfo.hasNextPage}
          onClick={() => result?.pageInfo.endCursor && setCursors([...cursors, result.pageInfo.endCursor])}
        >
          Older
        </button>
      </nav>
    </SettingsScreen>
  );
}
