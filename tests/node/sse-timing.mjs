// A real EventSource (npm "eventsource") whose fetch is tapped, so the test also sees what EventSource hides:
// comment lines (the proxy's ": keepalive" heartbeats), each with the time it arrived.
// Usage: node sse-timing.mjs <url> <seconds>. Prints one JSON line per open/comment/message/error, with "at" in ms
// since the EventSource was created; exits at the first error (the stream ended) or after <seconds>.
import { EventSource } from 'eventsource';

const [url, seconds] = process.argv.slice(2);
const started = performance.now();
const at = () => Math.round(performance.now() - started);
const out = (o) => process.stdout.write(JSON.stringify({ ...o, at: at() }) + '\n');

const tappedFetch = async (input, init) => {
  const response = await fetch(input, init);
  if (!response.body) {
    return response;
  }

  const decoder = new TextDecoder();
  let pending = '';
  const tap = new TransformStream({
    transform(chunk, controller) {
      pending += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, end).replace(/\r$/, '');
        pending = pending.slice(end + 1);
        if (line.startsWith(':')) {
          out({ kind: 'comment', text: line });
        }
      }
      controller.enqueue(chunk);
    },
  });
  return new Response(response.body.pipeThrough(tap), { status: response.status, statusText: response.statusText, headers: response.headers });
};

const es = new EventSource(url, { fetch: tappedFetch });
es.onopen = () => out({ kind: 'open' });
es.onmessage = (e) => out({ kind: 'message', data: e.data });
es.onerror = (e) => {
  out({ kind: 'error', message: String(e?.message ?? e) });
  es.close();
  process.exit(0);
};
setTimeout(() => { es.close(); out({ kind: 'timeout' }); process.exit(0); }, Number(seconds) * 1000);
