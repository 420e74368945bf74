import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What `/big` answers: large enough that a slow reader needs backpressure, not buffering. */
export const BIG_ANSWER_BYTES = 8 * 1024 * 1024;

/**
 * An upstream for a relay's tests: `/big` answers 8 MiB at once, any other path (unless `other` took it) streams
 * one event and never ends by itself — only the client leaving, through the relay, closes it (`streamClosed`).
 */
export async function streamingUpstream(other?: (req: IncomingMessage, res: ServerResponse) => boolean) {
  const big = Buffer.alloc(BIG_ANSWER_BYTES, 'x');
  let requests = 0;
  let streamClosed: Promise<void> = Promise.resolve();
  const server = createServer((req, res) => {
    requests++;
    if (other?.(req, res)) return;
    if (req.url === '/big') return void res.end(big);
    streamClosed = new Promise((r) => res.on('close', () => r()));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: one\n\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    streamClosed: () => streamClosed,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** GETs `/big` through the relay on `port`, paused for 200 ms first; resolves with the bytes that arrived. */
export function readBigSlowly(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/big', headers: { host } }, (res) => {
      let n = 0;
      res.pause();
      setTimeout(() => res.resume(), 200);
      res.on('data', (d: Buffer) => (n += d.length));
      res.on('end', () => resolve(n));
    })
      .on('error', reject)
      .end();
  });
}

/** GETs `/stream` through the relay on `port` and leaves once the first chunk came; resolves with that chunk. */
export function firstChunkThenLeave(port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/stream', headers: { host } }, (res) => {
      res.once('data', (d) => {
        resolve(String(d));
        req.destroy();
      });
    });
    req.on('error', () => undefined);
    req.once('error', reject);
    req.end();
  });
}
