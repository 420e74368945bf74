import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceSpec } from '../protocol';
import { NotSwappable, WorkerHost } from './worker-host';
import { throughSharedOutbound } from './helper-isolates';
import { shareNoopCache } from '../../wrangler/noop-cache';

// Real workerd: two Workers of one session calling out to the internet (a local HTTP server and a TCP echo).

function writeWorker(ws: string, name: string, source: string, extra: Record<string, unknown> = {}): ServiceSpec {
  const root = join(ws, 'apps', name);
  mkdirSync(join(root, 'src'), { recursive: true });
  writeFileSync(join(root, 'src', 'index.js'), source);
  writeFileSync(join(root, 'wrangler.jsonc'), JSON.stringify({ name, main: 'src/index.js', compatibility_date: '2025-06-01', ...extra }));
  return { service: name, kind: 'worker', root, upstream: [], watch: [root], worker: { configPath: join(root, 'wrangler.jsonc') } };
}

// Undone after each test, last first.
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A workspace folder of its own, removed after the test. */
function workspace(prefix: string): string {
  const ws = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(ws, { recursive: true, force: true }));
  return ws;
}

/** The hub's WorkerHost (real workerd) for `ws`, disposed after the test. */
function hostIn(ws: string): WorkerHost {
  const host = new WorkerHost({ workspaceRoot: ws, persistRoot: join(ws, '.state'), outRoot: join(ws, '.out'), onLine: () => undefined, onRuntimeExit: () => undefined });
  cleanups.push(() => host.dispose());
  return host;
}

const listening = <T extends { listen(port: number, host: string, cb: () => void): unknown; address(): unknown }>(server: T) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));

describe('a session\'s Workers calling out (one shared outbound Worker)', () => {
  it('strip CF-Connecting-IP and name their own zone in CF-Worker, as at Cloudflare; TCP sockets pass through', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const http = createHttpServer((req, res) => {
      seen.push(req.headers);
      res.end('upstream');
    });
    const httpPort = await listening(http);
    cleanups.push(() => new Promise((r) => http.close(r)));
    const tcp = createTcpServer((socket) => socket.on('data', (d) => socket.end(`echo:${d.toString()}`)));
    const tcpPort = await listening(tcp);
    cleanups.push(() => new Promise((r) => tcp.close(r)));

    const ws = workspace('nx-edge-outbound-');
    const caller = (name: string) =>
      writeWorker(
        ws,
        name,
        `import { connect } from 'cloudflare:sockets';
export default {
  async fetch(request) {
    if (new URL(request.url).pathname === '/tcp') {
      const socket = connect({ hostname: '127.0.0.1', port: ${tcpPort} });
      const writer = socket.writable.getWriter();
      await writer.write(new TextEncoder().encode('${name}'));
      const { value } = await socket.readable.getReader().read();
      return new Response(new TextDecoder().decode(value));
    }
    const answer = await fetch('http://127.0.0.1:${httpPort}/', { headers: { 'CF-Connecting-IP': '203.0.113.9', 'x-from': '${name}' } });
    return new Response(await answer.text());
  },
};
`,
      );
    const host = hostIn(ws);
    for (const spec of [caller('alpha'), caller('beta')]) host.set(await host.prepare(spec));
    const urls = await host.apply();

    for (const name of ['alpha', 'beta']) {
      const response = await fetch(urls.get(name)!);
      expect(await response.text()).toBe('upstream');
      const headers = seen.find((h) => h['x-from'] === name)!;
      expect(headers['cf-connecting-ip']).toBeUndefined();
      expect(headers['cf-worker']).toBe(`${name}.example.com`);
      expect(await (await fetch(new URL('/tcp', urls.get(name)))).text()).toBe(`echo:${name}`);
    }
  });
});

const caching = (key: string) => `export default {
  async fetch() {
    const key = new Request('http://cache.test/${key}');
    const hit = await caches.default.match(key);
    if (hit) return new Response('hit:' + (await hit.text()));
    await caches.default.put(key, new Response('stored', { headers: { 'cache-control': 'max-age=600' } }));
    return new Response('miss');
  },
};
`;

describe('the Cache API in a session (the real one only where a bundle names caches)', () => {
  it('caches for a Worker that uses it, and for one that starts using it on a save (workerd restarts to give it one)', async () => {
    const ws = workspace('nx-edge-cache-');
    const host = hostIn(ws);
    host.set(await host.prepare(writeWorker(ws, 'cached', caching('cached'))));
    const later = writeWorker(ws, 'later', 'export default { fetch() { return new Response("v1") } };');
    host.set(await host.prepare(later));
    let urls = await host.apply();
    const text = async (name: string) => (await fetch(urls.get(name)!)).text();
    expect([await text('cached'), await text('cached')]).toEqual(['miss', 'hit:stored']);
    expect(await text('later')).toBe('v1');

    writeFileSync(join(later.root, 'src', 'index.js'), caching('later'));
    const saved = await host.prepare(later);
    const refused = await host.swapIn(saved).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(NotSwappable);
    expect((refused as Error).message).toBe('it now uses the Cache API');
    host.set(saved);
    urls = await host.apply();
    expect([await text('later'), await text('later')]).toEqual(['miss', 'hit:stored']);
  });
});

describe('the no-op Cache API of Workers that never name caches (one server in the hub, no isolate each)', () => {
  it('answers as Miniflare\'s no-op cache (a lookup misses, a store is dropped) and gives workerd no cache Worker per Worker', async () => {
    const ws = workspace('nx-edge-noop-cache-');
    const configDump = join(ws, 'workerd-config.json');
    process.env.MINIFLARE_WORKERD_CONFIG_DEBUG = configDump; // Miniflare's own dump of the config it gives workerd
    cleanups.push(() => delete process.env.MINIFLARE_WORKERD_CONFIG_DEBUG);
    const host = hostIn(ws);
    // The name built at run time: the bundle never says it, so the Worker gets the no-op cache.
    const sly = `export default { async fetch() {
  const store = globalThis[['cach', 'es'].join('')].default;
  await store.put('https://example.com/k', new Response('stored', { headers: { 'cache-control': 'max-age=600' } }));
  const hit = await store.match('https://example.com/k');
  const gone = await store.delete('https://example.com/k');
  return new Response(hit ? 'hit' : 'miss:' + gone);
} };`;
    for (const name of ['a', 'b', 'c']) host.set(await host.prepare(writeWorker(ws, name, sly)));
    const urls = await host.apply();
    for (const name of ['a', 'b', 'c']) expect(await (await fetch(urls.get(name)!)).text()).toBe('miss:false');
    const services = (JSON.parse(readFileSync(configDump, 'utf8')) as { services: { name: string; worker?: unknown; external?: unknown }[] }).services;
    const cacheWorkers = services.filter((s) => /^cache:\d+$/.test(s.name) && s.worker);
    expect(cacheWorkers.map((s) => s.name)).toEqual([]);
    expect(services.filter((s) => /^cache:\d+$/.test(s.name) && s.external).length).toBeGreaterThanOrEqual(3);
  });
});

describe('shareNoopCache', () => {
  const noopWorker = (i: number) => ({ name: `cache:${i}`, worker: { modules: [{ name: 'cache-entry-noop.worker.js', esModule: '' }] } });
  it('replaces only the no-op cache Worker of a cache: false Worker, once however often it is applied', async () => {
    const real = [{ name: 'cache:1', worker: { modules: [{ name: 'cache-entry.worker.js' }] } }, { name: 'cache:storage' }];
    const plugin = { getServices: async ({ options, workerIndex }: { options: { cache?: boolean }; workerIndex: number }) => (options.cache === false ? [noopWorker(workerIndex)] : real) };
    const module = { PLUGINS: { cache: plugin } } as never;
    shareNoopCache(shareNoopCache(module));
    const noop = (await plugin.getServices({ options: { cache: false }, workerIndex: 4 })) as { name: string; external?: { address: string } }[];
    expect(noop).toEqual([{ name: 'cache:4', external: { address: expect.stringMatching(/^127\.0\.0\.1:\d+$/), http: {} } }]);
    expect(await plugin.getServices({ options: {}, workerIndex: 1 })).toBe(real);
    // The server answers as the no-op Worker would, whatever is stored.
    const base = `http://${noop[0].external!.address}`;
    expect((await fetch(`${base}/k`)).status).toBe(504);
    expect((await fetch(`${base}/k`)).headers.get('cf-cache-status')).toBe('MISS');
    expect((await fetch(`${base}/k`, { method: 'PUT', body: 'x'.repeat(100_000) })).status).toBe(204);
    expect((await fetch(`${base}/k`, { method: 'POST' })).status).toBe(405);
  });

  it('leaves a cache plugin of another shape as it is', async () => {
    const odd = [{ name: 'cache:0', worker: { modules: [{ name: 'something-else.js' }] } }];
    const plugin = { getServices: async () => odd };
    shareNoopCache({ PLUGINS: { cache: plugin } } as never);
    expect(await (plugin.getServices as (args: unknown) => Promise<unknown>)({ options: { cache: false }, workerIndex: 0 })).toBe(odd);
    expect(shareNoopCache({} as never)).toEqual({});
  });
});

describe('throughSharedOutbound', () => {
  it('leaves a Worker that names its own outbound service as it is', () => {
    const own = { outboundService: 'my-proxy' };
    expect(throughSharedOutbound(own, 'api')).toBe(false);
    expect(own).toEqual({ outboundService: 'my-proxy' });
    const plain: Record<string, unknown> = { zone: 'shop.example.net' };
    expect(throughSharedOutbound(plain, 'api')).toBe(true);
    expect(plain.outboundService).toEqual({ name: '__nx-edge-outbound', props: { zone: 'shop.example.net' } });
  });
});
