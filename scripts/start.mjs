// `npm start`: builds the plugin from source, then runs the example app in dev exactly as a user
// would: `nx run-many -t dev --projects=tag:example`. gateway, users and orders (Workers, with
// @shared/greeting) run in one workerd with local KV and D1 under .wrangler/state; mailer is a plain
// Node service. Each starts once its upstream services are healthy; one proxy serves them all at
// http://<project>.localhost:7080 with a dashboard at http://localhost:7080/. Ctrl-C stops everything.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const proxyPort = Number(process.env.NX_EDGE_PROXY_PORT ?? 7080);
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_EDGE_PROXY_PORT: String(proxyPort) };
const hubFile = join(root, '.nx-edge', 'dev', 'hub.json');

execFileSync('npm', ['run', 'build:packages'], { cwd: root, stdio: 'inherit' });

const nx = spawn(join(root, 'node_modules', '.bin', 'nx'), ['run-many', '-t', 'dev', '--projects=tag:example', '--output-style=stream-without-prefixes'], { cwd: root, stdio: 'inherit', env });

function getStatus() {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: proxyPort, path: '/__nx-edge/status', headers: { host: 'localhost', accept: 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        try {
          const parsed = JSON.parse(body);
          resolve(Array.isArray(parsed) ? parsed : parsed.services);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

// Say where to look once every example service is healthy.
const expected = ['gateway', 'users', 'orders', 'mailer'];
const announce = setInterval(async () => {
  const services = await getStatus();
  if (!services || !expected.every((s) => services.find((x) => x.service === s)?.state === 'healthy')) return;
  clearInterval(announce);
  console.log(`\n  nx-edge dev: ${services.length} services healthy`);
  console.log(`  dashboard   http://localhost:${proxyPort}/`);
  for (const s of services) console.log(`  ${s.service.padEnd(10)}  http://${s.service}.localhost:${proxyPort}/   (direct ${s.url})`);
  console.log(`  try         curl http://gateway.localhost:${proxyPort}/      — Ctrl-C stops everything\n`);
}, 500);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  clearInterval(announce);
  nx.kill('SIGINT');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

nx.on('exit', async (code) => {
  clearInterval(announce);
  // The hub stops the services once its clients are gone; wait for it so nothing outlives us.
  for (let i = 0; i < 100 && existsSync(hubFile); i++) await new Promise((r) => setTimeout(r, 100));
  if (existsSync(hubFile)) {
    const { pid } = JSON.parse(readFileSync(hubFile, 'utf8'));
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  process.exit(stopping ? 0 : (code ?? 0));
});
