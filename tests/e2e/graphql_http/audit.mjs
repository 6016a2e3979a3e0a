// Runs graphql-http's server audit (GraphQL over HTTP spec conformance) against a URL.
//
//   node audit.mjs http://127.0.0.1:8000/graphql
//
// Prints a JSON array on stdout, one object per audit:
//   {id, name, status: "ok" | "notice" | "warn" | "error", reason?, responseStatus?, responseBody?}
// Exits 0 whenever the audit ran (the caller judges the results), 2 on bad usage or a crash.
import { auditServer } from 'graphql-http';

const MAX_BODY_CHARS = 500;

async function describeResponse(response) {
  if (!response) return {};
  const described = { responseStatus: response.status };
  try {
    const text = await response.text();
    described.responseBody = text.length > MAX_BODY_CHARS ? `${text.slice(0, MAX_BODY_CHARS)}...` : text;
  } catch {
    // The audit has already read the body; the status alone is still useful.
  }
  return described;
}

async function main() {
  const url = process.argv[2];
  if (!url) {
    process.stderr.write('usage: node audit.mjs <graphql url>\n');
    return 2;
  }
  const results = await auditServer({ url });
  const report = [];
  for (const result of results) {
    const entry = { id: result.id, name: result.name, status: result.status };
    if (result.status !== 'ok') {
      entry.reason = result.reason;
      Object.assign(entry, await describeResponse(result.response));
    }
    report.push(entry);
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`audit crashed: ${error?.stack ?? error}\n`);
    process.exitCode = 2;
  },
);
