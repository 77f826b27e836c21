// A small app for the restart tests: started and stopped on the same port while clients send requests.
// Every request it handles is one stdout line, "<METHOD> <path> <x-request-id> <body bytes>", so the test
// sees what reached the app across restarts. Any path answers 200 (/health too); WebSockets echo.
// On SIGTERM it shuts down gracefully: it stops accepting at once, answers what arrives on open connections
// with "Connection: close" (so the proxy never sends another request on them), closes WebSockets with 1001,
// closes idle connections once no request came for 250 ms, and exits 0 when the last one is gone.
// (http.Server.close() alone closes idle keep-alive connections at once: a request that crosses such a close
// may or may not have been read, so a POST caught that way fails rather than risk being applied twice.)
import http from 'node:http';
import net from 'node:net';
import { WebSocketServer } from 'ws';

const port = Number(process.env.PORT);
let stopping = false;
let lastRequest = 0;
const server = http.createServer((req, res) => {
  lastRequest = Date.now();
  if (stopping) res.setHeader('connection', 'close'); // finish this one, keep no connection open
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    process.stdout.write(`${req.method} ${req.url} ${req.headers['x-request-id'] ?? '-'} ${body.length}\n`);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${process.env.NAME ?? 'app'} ${req.method} ${req.url} ${body.length}`);
  });
});

const sockets = new WebSocketServer({ server });
sockets.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));

server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.on('SIGTERM', () => {
  process.stdout.write('stopping\n');
  stopping = true;
  for (const ws of sockets.clients) ws.close(1001, 'restarting');
  net.Server.prototype.close.call(server, () => process.exit(0)); // the listener only
  setInterval(() => { if (Date.now() - lastRequest > 250) server.closeIdleConnections(); }, 50).unref();
  setTimeout(() => process.exit(0), 5000).unref();
});
