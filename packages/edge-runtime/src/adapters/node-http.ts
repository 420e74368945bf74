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

/** `export default withEdge(serveNodeApp(app))` — the app answers every request of the Worker. */
export function serveNodeApp(app: Listenable, options: NodeAppOptions = {}): { fetch: (request: Request, env: unknown, ctx: ExecutionContext) => Promise<Response> } {
  const port = options.port ?? 8080;
  app.listen(port);
  const handler = httpServerHandler({ port }) as { fetch: (request: Request, env: unknown, ctx: ExecutionContext) => Promise<Response> };
  return { fetch: (request, env, ctx) => handler.fetch(request, env, ctx) };
}
