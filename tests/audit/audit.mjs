// Runs the graphql-http server audit (GraphQL over HTTP) against the URL given as the first
// argument, with the headers given as JSON in the second (optional). Prints one line per audit
// (`ok`, `warn` or `error`, its id and name, and the reason of a failure) and last a JSON line
// `{"ok": N, "warn": N, "error": N}`. tests/integration/audit.rs runs it against `quidditch serve`.
import { auditServer } from 'graphql-http';

const [url, headersJson] = process.argv.slice(2);
if (!url) {
  console.error('usage: node audit.mjs URL [HEADERS_JSON]');
  process.exit(2);
}
const headers = headersJson ? JSON.parse(headersJson) : {};
const fetchFn = (input, init = {}) =>
  fetch(input, { ...init, headers: { ...headers, ...(init.headers || {}) } });

const results = await auditServer({ url, fetchFn });
const counts = { ok: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status] += 1;
  const reason = result.status === 'ok' ? '' : ` -- ${result.reason}`;
  console.log(`${result.status} ${result.id} ${result.name}${reason}`);
}
console.log(JSON.stringify(counts));
