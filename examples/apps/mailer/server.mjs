// mailer: a plain Node HTTP service (not a Worker) that takes part in `nx run-many -t dev` through the
// @aero/nx-edge:service executor: gated, probed on /health, proxied at mailer.localhost:7080, logged.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 4100);
const sent = [];

createServer((req, res) => {
  if (req.url === '/health') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  if (req.method === 'POST' && req.url === '/send') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      sent.push(body);
      console.log(JSON.stringify({ level: 'info', message: 'mail queued', count: sent.length, trace_id: traceId(req) }));
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ queued: sent.length }));
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ service: 'mailer', sent: sent.length }));
}).listen(port, '127.0.0.1', () => console.log(`mailer listening on http://127.0.0.1:${port}`));

function traceId(req) {
  return /^[\da-f]{2}-([\da-f]{32})-/.exec(req.headers.traceparent ?? '')?.[1];
}
