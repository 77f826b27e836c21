// A real WebSocket client (npm "ws") as a test peer; it answers pings with pongs itself.
// Usage: node ws-client.mjs <url> <messages> <gapMs>. Sends <messages> messages <gapMs> apart, checks every echo,
// closes, and prints one JSON summary line.
import WebSocket from 'ws';

const [url, messages, gapMs] = process.argv.slice(2);
const ws = new WebSocket(url, ['streamlit', 'other']);
let pings = 0;
const echoes = [];
let pending = null;
ws.on('ping', () => pings++);
ws.on('message', (data) => { echoes.push(data.toString()); pending?.(); });
ws.on('error', (e) => { process.stdout.write(JSON.stringify({ error: e.message }) + '\n'); process.exit(2); });
ws.on('close', (code, reason) => {
  process.stdout.write(JSON.stringify({ protocol: ws.protocol, pings, echoes, closeCode: code, closeReason: reason.toString() }) + '\n');
  process.exit(0);
});
ws.on('open', async () => {
  for (let i = 0; i < Number(messages); i++) {
    const echoed = new Promise((resolve) => { pending = resolve; });
    ws.send(`message ${i} ` + 'x'.repeat(i * 1000));
    await echoed;
    await new Promise((r) => setTimeout(r, Number(gapMs)));
  }
  ws.close(1000, 'done');
});
