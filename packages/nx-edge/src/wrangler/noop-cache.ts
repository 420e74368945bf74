import { createServer, type Server } from 'node:http';

type MiniflareModule = typeof import('miniflare');

/**
 * Miniflare gives each Worker with `cache: false` a no-op Cache API Worker of its own (`cache:<index>`), an
 * isolate workerd creates at start even though nothing calls it: ≈ 5 ms of the start per Worker (100 Workers'
 * workerd start 1.4–1.8 s → 1.0 s, measured). The same no-op answers come from one HTTP server in this process
 * instead, named as an external service under the same name, so no Worker's config changes but that service's
 * kind. Answers as Miniflare's `cache-entry-noop.worker.js`: a lookup misses, a store is read and dropped.
 */
const NOOP_CACHE_MODULE = 'cache-entry-noop.worker.js';
const PATCHED = Symbol.for('nx-edge.noop-cache');

interface CachePlugin {
  getServices(args: { options: { cache?: boolean }; workerIndex: number }): Promise<unknown[]>;
  [PATCHED]?: true;
}

let server: Promise<string> | undefined;

/** The process's no-op cache server (loopback, port 0; it never keeps the process alive): its `host:port`. */
export function noopCacheAddress(): Promise<string> {
  server ??= new Promise<string>((resolve, reject) => {
    const s: Server = createServer((req, res) => {
      // Bodies are read and dropped, never kept: a store costs nothing whatever its size.
      req.resume();
      req.on('end', () => {
        if (req.method === 'GET') res.writeHead(504, { 'cf-cache-status': 'MISS' });
        else if (req.method === 'PUT') res.writeHead(204);
        else if (req.method === 'PURGE') res.writeHead(404);
        else res.writeHead(405);
        res.end();
      });
    });
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      s.unref();
      resolve(`127.0.0.1:${(s.address() as { port: number }).port}`);
    });
  });
  return server;
}

/** The one service Miniflare made for a `cache: false` Worker, if it is exactly its no-op Worker (else undefined: left as it is). */
function noopServiceName(services: unknown[]): string | undefined {
  if (services.length !== 1) return undefined;
  const service = services[0] as { name?: unknown; worker?: { modules?: { name?: unknown }[] } };
  const modules = service.worker?.modules;
  return typeof service.name === 'string' && modules?.length === 1 && modules[0].name === NOOP_CACHE_MODULE ? service.name : undefined;
}

/**
 * Makes `cache: false` Workers' no-op Cache API services of this Miniflare one shared HTTP server (idempotent).
 * A Miniflare whose cache plugin looks otherwise is left as it is: its Workers keep their own no-op Workers.
 */
export function shareNoopCache(module: MiniflareModule): MiniflareModule {
  const plugin = (module as unknown as { PLUGINS?: { cache?: CachePlugin } }).PLUGINS?.cache;
  if (!plugin || typeof plugin.getServices !== 'function' || plugin[PATCHED]) return module;
  const own = plugin.getServices.bind(plugin);
  plugin.getServices = async (args) => {
    const services = await own(args);
    const name = args?.options?.cache === false ? noopServiceName(services) : undefined;
    if (name === undefined) return services;
    return [{ name, external: { address: await noopCacheAddress(), http: {} } }];
  };
  plugin[PATCHED] = true;
  return module;
}
