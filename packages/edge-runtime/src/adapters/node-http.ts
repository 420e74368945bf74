// Node HTTP frameworks (Express, NestJS on Express, anything with `listen(port)`) served in workerd
// through Cloudflare's own bridge, `httpServerHandler` from `cloudflare:node` (nodejs_compat): the
// app's real Node request/response objects, no HTTP stack of ours.
import { httpServerHandler } from 'cloudflare:node';

export interface Listenable {
  listen(port: number, callback?: () => void): unknown;
}

export interface NodeAppOptions {
  /** The in-isolate port the app listens on; nothing is opened on the host. Default 8080. */
  port?: number;
}

type FetchHandler = { fetch: (request: Request, env: unknown, ctx: ExecutionContext) => Promise<Response> };

/**
 * `export default withEdge(serveNodeApp(app))` — the app answers every request of the Worker.
 * Pass a factory (`() => NestFactory.create(AppModule)`) for apps that must not be built at module
 * scope (workerd forbids timers and I/O there): it runs once, on the first request.
 */
export function serveNodeApp(app: Listenable | (() => Promise<Listenable> | Listenable), options: NodeAppOptions = {}): FetchHandler {
  const port = options.port ?? 8080;
  const handler = httpServerHandler({ port }) as FetchHandler;
  let listening: Promise<void> | undefined;
  const listen = async (target: Listenable) => {
    await target.listen(port);
  };
  // An Express app is itself a function: a factory is a function without listen().
  const isApp = typeof (app as Listenable).listen === 'function';
  if (isApp) listening = listen(app as Listenable);
  return {
    async fetch(request, env, ctx) {
      listening ??= Promise.resolve((app as () => Promise<Listenable> | Listenable)()).then(listen);
      await listening;
      return handler.fetch(request, env, ctx);
    },
  };
}
