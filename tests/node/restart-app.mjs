// A small app for the restart tests: started and stopped on the same port while clients send requests.
// Every request it handles is one stdout line, "<METHOD> <path> <x-request-id> <body bytes>", so the test
// sees what reached the app across restarts. /health answers 200; WebSockets echo. On SIGTERM it does what
// a well-behaved app does in a deploy: stop accepting, finish the requests it has, close WebSockets with
// 1001, then exit 0.
import http from 'node:http';
import { WebSocketServer } from 'ws';

const port = Number(process.env.PORT);
let stopping = false;
const server = http.createServer((req, res) => {
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
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5000).unref();
});
