// Settings → Audit log: newest first, a page at a time (cursor paging), filtered by action,
// actor and the object acted on; each change shown as field: before → after.
import { useCallback, useState } from 'preact/hooks';
import { request } from '../../api';
import { graphql } from '../../gql';
import { Alert } from '../../ui';
import { SettingsScreen, useLoaded, when } from './common';

const Events = graphql(`
  query AuditLog($targetId: ID, $action: String, $actorId: ID, $after: String) {
    auditEvents(targetId: $targetId, action: $action, actorId: $actorId, first: 25, after: $after) {
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
          actorName
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

type Filter = { action: string; actorId: string; targetId: string };
const NONE: Filter = { action: '', actorId: '', targetId: '' };
const FIELDS = [
  { key: 'action', label: 'Action' },
  { key: 'actorId', label: 'Actor id' },
  { key: 'targetId', label: 'Object id' },
] as const;

export function AuditLog() {
  const [error, setError] = useState<string | null>(null);
  const [typed, setTyped] = useState<Filter>(NONE);
  const [filter, setFilter] = useState<Filter>(NONE);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const load = useCallback(
    () =>
      request(Events, {
        action: filter.action.trim() || null,
        actorId: filter.actorId.trim() || null,
        targetId: filter.targetId.trim() || null,
        after,
      }),
    [filter, after],
  );
  const apply = (next: Filter) => {
    setTyped(next);
    setFilter(next);
    setCursors([null]);
  };
  const filtered = FIELDS.filter((field) => filter[field.key].trim()).map((field) => `${field.label.toLowerCase()} ${filter[field.key].trim()}`);
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
          apply(typed);
        }}
      >
        {FIELDS.map((field) => (
          <div class="search" key={field.key}>
            <label for={`audit-${field.key}`}>{field.label}</label>
            <input
              id={`audit-${field.key}`}
              type="text"
              value={typed[field.key]}
              onInput={(event) => setTyped({ ...typed, [field.key]: event.currentTarget.value })}
            />
          </div>
        ))}
        <div class="actions">
          <button type="submit">Filter</button>
          <button type="button" onClick={() => apply(NONE)}>
            Clear
          </button>
        </div>
      </form>
      <p class="count" aria-live="polite">
        {result ? `${result.totalCount} ${result.totalCount === 1 ? 'event' : 'events'}${filtered.length ? ` (${filtered.join(', ')})` : ''}, page ${page}` : 'Loading…'}
      </p>
      <table class="audit-table">
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
              <td>
                <button type="button" class="link" aria-label={`Only ${node.action} events`} onClick={() => apply({ ...NONE, action: node.action })}>
                  {node.action}
                </button>
              </td>
              <td>
                {node.actorId ? (
                  <button
                    type="button"
                    class="link"
                    title={`${node.actorType} ${node.actorId}`}
                    aria-label={`Only events by ${node.actorName ?? node.actorId}`}
                    onClick={() => apply({ ...NONE, actorId: node.actorId ?? '' })}
                  >
                    {node.actorName ?? `${node.actorType} ${node.actorId}`}
                  </button>
                ) : (
                  (node.actorName ?? node.actorType)
                )}
              </td>
              <td>
                {node.targetType}
                {node.targetId && (
                  <button
                    type="button"
                    class="link"
                    aria-label={`Only events about ${node.targetId}`}
                    onClick={() => apply({ ...NONE, targetId: node.targetId ?? '' })}
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
