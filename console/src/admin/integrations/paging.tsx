// Search as you type and cursor paging over one Relay connection, as the Users page does.
import { useEffect, useState } from 'preact/hooks';
import { messageOf } from '../../api';
import { useDebounced } from '../../debounce';

type Page = { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor?: string | null } };

export const PAGE_SIZE = 25;

/**
 * The page `load` answers for the settled search term, with Previous/Next over cursors.
 * `version` is bumped by the caller after a change, to fetch the page again.
 */
export function usePages<P extends Page>(load: (term: string | null, after: string | null) => Promise<P | null>, search: string, version: number, scope: string) {
  const term = useDebounced(search.trim());
  // The cursors of the pages before this one, so Previous can go back.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<P | null>(null);
  const [error, setError] = useState<string | null>(null);
  const after = cursors[cursors.length - 1] ?? null;

  useEffect(() => {
    setCursors([null]);
  }, [term, scope]);
  // `load` is a new function each render: what it reads is in `scope` and the rest of the list.
  useEffect(() => {
    let live = true;
    load(term || null, after)
      .then((answer) => {
        if (!live) return;
        setPage(answer);
        setError(null);
      })
      .catch((failure) => live && setError(messageOf(failure)));
    return () => {
      live = false;
    };
  }, [term, after, version, scope]);

  return {
    term,
    page,
    error,
    number: cursors.length,
    previous: () => setCursors(cursors.slice(0, -1)),
    next: () => page?.pageInfo.endCursor && setCursors([...cursors, page.pageInfo.endCursor]),
  };
}

export function Pager({ number, hasNext, onPrevious, onNext }: { number: number; hasNext: boolean; onPrevious: () => void; onNext: () => void }) {
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={number <= 1} onClick={onPrevious}>
        Previous
      </button>
      <span>Page {number}</span>
      <button type="button" disabled={!hasNext} onClick={onNext}>
        Next
      </button>
    </nav>
  );
}
