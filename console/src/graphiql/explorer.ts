// GraphiQL, from the npm package, in a chunk of its own (React and CodeMirror included): only
// /graphql loads it. Its fetcher sends what every console request sends, the session cookie
// and the CSRF header, so a signed-in admin's queries and the schema fetch are allowed.
import 'graphiql/graphiql.css';
import './explorer.css';
import { GraphiQL, type GraphiQLProps } from 'graphiql';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { postGraphQL } from '../api';

const fetcher: GraphiQLProps['fetcher'] = async (params) =>
  (await postGraphQL(JSON.stringify(params), { 'Content-Type': 'application/json' })).json();

const STARTER = `# Run with Ctrl-Enter.
{
  me {
    email
    firstName
    lastName
  }
}
`;

// CodeMirror's hidden textareas (where the keyboard types) have no label, and its scrolling
// panes cannot be reached by keyboard: both are named and made focusable as they appear.
const EDITORS: [string, string][] = [
  ['.graphiql-query-editor', 'Query'],
  ['.graphiql-editor-tool .graphiql-editor:nth-child(1)', 'Variables'],
  ['.graphiql-editor-tool .graphiql-editor:nth-child(2)', 'Headers'],
  ['.graphiql-response', 'Response'],
];

function labelEditors(element: HTMLElement): void {
  for (const [selector, name] of EDITORS) {
    for (const editor of element.querySelectorAll(selector)) {
      const input = editor.querySelector('textarea:not([aria-label])');
      input?.setAttribute('aria-label', name);
      const scroll = editor.querySelector('.CodeMirror-scroll:not([tabindex])');
      scroll?.setAttribute('tabindex', '0');
      scroll?.setAttribute('aria-label', `${name}, scrolling`);
    }
  }
}

export function mountExplorer(element: HTMLElement): () => void {
  const root = createRoot(element);
  root.render(createElement(GraphiQL, { fetcher, defaultQuery: STARTER }));
  const observer = new MutationObserver(() => labelEditors(element));
  observer.observe(element, { childList: true, subtree: true });
  return () => {
    observer.disconnect();
    root.unmount();
  };
}
