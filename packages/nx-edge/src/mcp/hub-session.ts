import { request as httpRequest } from 'node:http';
import { readHub, type HubInfo } from '../dev/hub-registry';
import { TOKEN_HEADER } from '../proxy/dev-proxy';
import { newTraceparent, traceIdOf } from '../proxy/trace-context';

/** The most bytes read of one answer (the hub's or a Worker's): the rest is counted, not kept. */
export const MAX_READ_BYTES = 1024 * 1024;

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Bytes the answer had beyond MAX_READ_BYTES (not read into memory). */
  truncatedBytes: number;
}

/** What the MCP server asks of a running dev session (the hub, through its proxy port, as the dashboard does). */
export interface SessionApi {
  get(path: string): Promise<unknown>;
  /** A dashboard action (restart, reload, stop, start), with the session's dashboard token. */
  act(service: string, action: string): Promise<{ status: number; body: unknown }>;
  /** An HTTP request through the proxy to `<hostLabel>.localhost`, under a new trace whose id is returned. */
  send(hostLabel: string, req: { method: string; path: string; headers?: Record<string, string>; body?: string }): Promise<HttpAnswer & { traceId: string }>;
}

function call(port: number, opts: { method: string; path: string; headers: Record<string, string>; body?: string; timeoutMs?: number }): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: opts.method, path: opts.path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      let over = 0;
      res.on('data', (chunk: Buffer) => {
        const room = MAX_READ_BYTES - kept;
        if (room > 0) chunks.push(chunk.subarray(0, room));
        kept += Math.min(room > 0 ? room : 0, chunk.length);
        over += Math.max(0, chunk.length - Math.max(room, 0));
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), truncatedBytes: over }));
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`no answer within ${Math.round((opts.timeoutMs ?? 30_000) / 1000)} s`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The session the workspace's hub.json describes; undefined when no dev session runs. */
export function hubSession(workspaceRoot: string, read: (root: string) => HubInfo | undefined = readHub): SessionApi | undefined {
  const hub = read(workspaceRoot);
  if (!hub) return undefined;
  const root = { host: 'localhost', accept: 'application/json' };
  const json = (answer: HttpAnswer): unknown => {
    try {
      return JSON.parse(answer.body) as unknown;
    } catch {
      return { error: `the dev hub answered ${answer.status} with something other than JSON` };
    }
  };
  return {
    async get(path) {
      return json(await call(hub.proxyPort, { method: 'GET', path, headers: root }));
    },
    async act(service, action) {
      // The token comes from the owner-only hub.json and goes only to the hub: never into an answer.
      const headers: Record<string, string> = { ...root, 'content-type': 'application/json', 'content-length': '0' };
      if (hub.dashboardToken) headers[TOKEN_HEADER] = hub.dashboardToken;
      const answer = await call(hub.proxyPort, { method: 'POST', path: `/__nx-edge/services/${encodeURIComponent(service)}/${action}`, headers });
      return { status: answer.status, body: json(answer) };
    },
    async send(hostLabel, req) {
      const traceparent = newTraceparent();
      const headers: Record<string, string> = { ...req.headers, host: `${hostLabel}.localhost:${hub.proxyPort}`, traceparent };
      if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
      const answer = await call(hub.proxyPort, { method: req.method, path: req.path, headers, body: req.body });
      return { ...answer, traceId: traceIdOf(traceparent) };
    },
  };
}
