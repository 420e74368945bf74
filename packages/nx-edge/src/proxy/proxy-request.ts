import { request as httpRequest } from 'node:http';
import { newTraceparent, traceIdOf } from './trace-context';

/** The most bytes read of one answer: the rest is counted, not kept. */
export const MAX_READ_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Bytes the answer had beyond MAX_READ_BYTES (not read into memory). */
  truncatedBytes: number;
}

/** One HTTP request to 127.0.0.1:port, its answer read up to MAX_READ_BYTES. */
export function localRequest(port: number, opts: { method: string; path: string; headers: Record<string, string>; body?: string; timeoutMs?: number }): Promise<HttpAnswer> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: opts.method, path: opts.path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      let over = 0;
      res.on('data', (chunk: Buffer) => {
        const room = Math.max(0, MAX_READ_BYTES - kept);
        if (room > 0) chunks.push(chunk.subarray(0, room));
        kept += Math.min(room, chunk.length);
        over += Math.max(0, chunk.length - room);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), truncatedBytes: over }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Headers a caller may not set on a request sent through the proxy: they are the proxy's (or Node's) to set. */
const RESERVED = new Set(['host', 'traceparent', 'content-length', 'transfer-encoding', 'connection', 'x-nx-edge-hop']);

/**
 * A request to `<hostLabel>.localhost` through the dev proxy on `proxyPort`, as a browser would send it,
 * under a new trace: the answer and the trace id it produced (the proxy continues the trace we start).
 */
export async function sendThroughProxy(
  proxyPort: number,
  hostLabel: string,
  req: { method: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<HttpAnswer & { traceId: string; durationMs: number }> {
  const traceparent = newTraceparent();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers ?? {})) if (!RESERVED.has(name.toLowerCase())) headers[name] = value;
  headers.host = `${hostLabel}.localhost:${proxyPort}`;
  headers.traceparent = traceparent;
  if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
  const started = performance.now();
  const answer = await localRequest(proxyPort, { method: req.method, path: req.path, headers, body: req.body });
  // The Worker's headers, not those of the hop to the proxy.
  for (const hop of ['connection', 'keep-alive', 'transfer-encoding']) delete answer.headers[hop];
  return { ...answer, traceId: traceIdOf(traceparent), durationMs: Math.round(performance.now() - started) };
}
