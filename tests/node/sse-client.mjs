// A real EventSource (npm "eventsource", WHATWG-compatible parser) as a test peer.
// Usage: node sse-client.mjs <url> <events>. Prints one JSON line per open/message/error; exits after <events> messages.
import { EventSource } from 'eventsource';

const [url, count] = process.argv.slice(2);
let received = 0;
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const es = new EventSource(url);
es.onopen = () => out({ kind: 'open' });
es.onmessage = (e) => {
  out({ kind: 'message', data: e.data, id: e.lastEventId });
  if (++received >= Number(count)) {
    es.close();
    process.exit(0);
  }
};
es.onerror = (e) => {
  out({ kind: 'error', message: String(e?.message ?? e) });
  es.close();
  process.exit(2);
};
