import { useEffect, useRef, useState } from 'preact/hooks';
import { Page } from '../ui';

// The explorer's chunk (React, GraphiQL, CodeMirror) is loaded only here.
export function GraphiQLPage() {
  const host = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    document.title = 'GraphiQL · Roster';
    let unmount: (() => void) | undefined;
    let cancelled = false;
    import('../graphiql/explorer')
      .then(({ mountExplorer }) => {
        if (cancelled || !host.current) return;
        unmount = mountExplorer(host.current);
      })
      .catch(() => setFailed(true));
    return () => {
      cancelled = true;
      unmount?.();
    };
  }, []);
  if (failed) {
    return (
      <Page title="GraphiQL could not be loaded">
        <p>Reload the page to try again.</p>
      </Page>
    );
  }
  return (
    <main class="graphiql-host" aria-label="GraphiQL">
      <div ref={host} />
    </main>
  );
}
