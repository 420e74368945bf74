// req/s and p99 through the nx-edge dev proxy vs straight to the upstream, with autocannon on 127.0.0.1.
// Used by bench/dev (DEV-CORE) and runnable alone: `node bench/lib/proxy-bench.mjs [upstreamUrl]`
// (without an URL it starts a tiny Node HTTP upstream). Needs `npm run build -w @aero/nx-edge` first.
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';

const require = createRequire(import.meta.url);

function cannon(opts) {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

async function startToyUpstream() {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  return { url: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

// The upstream and the proxy run in a child process so autocannon (in this process) does not share
// their event loop: measured in one process, the proxy looked 10x slower than it is.
function startServers(upstreamUrl, service) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', upstreamUrl ?? '', service], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve({ ...JSON.parse(out), close: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) });
    });
    child.once('exit', (code) => reject(new Error(`proxy bench server exited (${code})`)));
  });
}

async function serve(upstreamUrl, service) {
  try {
    require.resolve('../../packages/nx-edge/dist/src/proxy/dev-proxy.js');
  } catch {
    console.error('proxy bench: packages/nx-edge/dist is missing — run `npm run build -w @aero/nx-edge` first');
    process.exit(1);
  }
  const { startDevProxy } = require('../../packages/nx-edge/dist/src/proxy/dev-proxy.js');
  const { createLogStore } = require('../../packages/nx-edge/dist/src/logs/log-store.js');
  const toy = upstreamUrl ? undefined : await startToyUpstream();
  const url = upstreamUrl || /** @type {{ url: string }} */ (toy).url;
  const proxy = await startDevProxy({
    port: 0,
    resolve: (name) => (name === service ? { service, state: 'healthy', url } : undefined),
    status: () => [],
    logs: createLogStore({}),
  });
  process.stdout.write(JSON.stringify({ upstreamUrl: url, proxyPort: proxy.port }) + '\n');
  process.once('SIGTERM', async () => { await proxy.close(); await toy?.close(); process.exit(0); });
}

/**
 * @param {{ upstreamUrl?: string, service?: string, duration?: number, connections?: number, path?: string }} [options]
 * @returns {Promise<{ direct: { reqPerSec: number, p99: number, errors: number }, proxy: { reqPerSec: number, p99: number, errors: number }, ratio: number }>}
 */
export async function benchProxy(options = {}) {
  const service = options.service ?? 'svc';
  const duration = options.duration ?? 5;
  const connections = options.connections ?? 20;
  const path = options.path ?? '/';
  const servers = await startServers(options.upstreamUrl, service);
  const upstreamUrl = servers.upstreamUrl;
  const proxyUrl = `http://127.0.0.1:${servers.proxyPort}${path}`;
  try {
    const base = { connections, duration, pipelining: 1 };
    await cannon({ ...base, duration: 1, url: upstreamUrl + path });
    await cannon({ ...base, duration: 1, url: proxyUrl, headers: { host: `${service}.localhost` } });
    const direct = await cannon({ ...base, url: upstreamUrl + path });
    const viaProxy = await cannon({ ...base, url: proxyUrl, headers: { host: `${service}.localhost` } });
    const pick = (r) => ({ reqPerSec: Math.round(r.requests.average), p99: r.latency.p99, errors: r.errors + r.non2xx });
    const d = pick(direct);
    const p = pick(viaProxy);
    return { direct: d, proxy: p, ratio: Number((p.reqPerSec / d.reqPerSec).toFixed(2)) };
  } finally {
    await servers.close();
  }
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3], process.argv[4]);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await benchProxy({ upstreamUrl: process.argv[2], duration: Number(process.env.BENCH_DURATION ?? 5) });
  console.log('                 req/s     p99 ms  errors');
  console.log(`direct        ${String(result.direct.reqPerSec).padStart(8)}  ${String(result.direct.p99).padStart(8)}  ${result.direct.errors}`);
  console.log(`via proxy     ${String(result.proxy.reqPerSec).padStart(8)}  ${String(result.proxy.p99).padStart(8)}  ${result.proxy.errors}`);
  console.log(`proxy/direct  ${result.ratio}x  (target >= 0.8x)`);
}
