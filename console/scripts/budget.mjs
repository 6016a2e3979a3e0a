// The bundle budgets, read from the built files (dist/): the JavaScript a public page loads
// (index.html's entry and what it imports statically) and the admin app's first load (that,
// plus the admin chunk and its static imports), gzipped. Exits 1 when one is over.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;
// GraphiQL (React, CodeMirror, GraphiQL) is its own chunk, loaded by /graphql alone.
const BUDGETS = { public: 100 * 1024, admin: 300 * 1024, graphiql: 400 * 1024 };

const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'));
const entry = Object.values(manifest).find((chunk) => chunk.isEntry);
const admin = Object.values(manifest).find((chunk) => chunk.src?.startsWith('src/admin/admin'));
const explorer = Object.values(manifest).find((chunk) => chunk.src?.startsWith('src/graphiql/explorer'));
if (!entry || !admin || !explorer) {
  console.error('budget: the manifest has no entry, admin chunk or GraphiQL chunk');
  process.exit(1);
}

function closure(chunk, seen = new Set()) {
  if (seen.has(chunk.file)) return seen;
  seen.add(chunk.file);
  for (const key of chunk.imports ?? []) closure(manifest[key], seen);
  return seen;
}
const gzipped = (files) =>
  [...files].filter((f) => f.endsWith('.js')).reduce((sum, f) => sum + gzipSync(readFileSync(join(dist, f))).length, 0);

const publicFiles = closure(entry);
const sizes = {
  public: gzipped(publicFiles),
  admin: gzipped(closure(admin, new Set(publicFiles))),
  graphiql: gzipped(closure(explorer, new Set(publicFiles))),
};
let over = false;
for (const [name, size] of Object.entries(sizes)) {
  const ok = size <= BUDGETS[name];
  over ||= !ok;
  console.log(`${name}: ${(size / 1024).toFixed(1)} KB gzipped JS (budget ${BUDGETS[name] / 1024} KB) ${ok ? 'ok' : 'OVER'}`);
}
process.exit(over ? 1 : 0);
