import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../utils/user-error';
import type { FrontRoutes } from './front-proxy';
import { isProxySpanTuple, type ProxySpanTuple } from './proxy-span';
import type { SpanBatchesMessage } from './front-spans';
import { listenError } from './listen-error';

export type HubToFront = ({ type: 'routes' } & FrontRoutes) | { type: 'follow'; on: boolean } | { type: 'drain'; id: number } | { type: 'close' };
export type FrontToHub = { type: 'listening'; port: number } | { type: 'failed'; code?: string; message: string } | SpanBatchesMessage | { type: 'archive-cut' };

/** How long a read of the traces waits for the front's spans before answering with what the hub has. */
const DRAIN_TIMEOUT_MS = 2000;

export interface ProxyFrontOptions {
  port: number;
  host?: string;
  /** The hub's own proxy, on an internal port. */
  hubUrl: string;
  /** The front's spans, as it sent them: the trace store keeps them so (see StoredSpan). */
  onSpans(spans: ProxySpanTuple[]): void;
  /** The session archive's file for the front's spans, and its bound (see front-spans.ts); none: not archived. */
  archive?: { file: string; maxBytes: number };
  /** The front's archive file reached its bound. */
  onArchiveCut?(): void;
  /** The front ended without being asked (it is started again). */
  onExit?(message: string): void;
}

export interface ProxyFront {
  readonly port: number;
  /** The front process's pid (a new one after it was started again). */
  readonly pid: number | undefined;
  /** Tells the front the session's routes (sent only when they changed). */
  update(routes: FrontRoutes): void;
  /** Resolves once the front has handed over every span it holds (onSpans has them), or after DRAIN_TIMEOUT_MS. */
  drain(): Promise<void>;
  /** While on, the front hands each batch of spans over as it is made (a live page follows the traces). */
  follow(on: boolean): void;
  close(): Promise<void>;
}

/** front-main.js beside this file (dist), or the .ts through swc when run from sources (tests). */
function frontCommand(): { script: string; execArgv: string[] } {
  const built = join(__dirname, 'front-main.js');
  // The hub's smaller young generation suits its log bursts, not the front's request garbage.
  if (existsSync(built)) return { script: built, execArgv: [...process.execArgv.filter((a) => !a.startsWith('--max-semi-space-size')), ...FRONT_V8_FLAGS] };
  return { script: join(__dirname, 'front-main.ts'), execArgv: ['--require', require.resolve('@swc-node/register'), ...FRONT_V8_FLAGS] };
}

/**
 * undici's HTTP parser (WebAssembly) left to V8's baseline compiler: its optimizing tier-up kept ≈ 10 MB of a
 * background compiler's memory in the front (66 → 57 MB RSS in a 10-Worker session) for no CPU per request
 * measurable against it (67.2 vs 67.8 µs at 10 connections, 65.9 vs 63.0 at 20: this VM's noise).
 */
const FRONT_V8_FLAGS = ['--liftoff-only'];

function forkFront(port: number, host: string, hubUrl: string, archive: ProxyFrontOptions['archive']): Promise<{ child: ChildProcess; port: number }> {
  const { script, execArgv } = frontCommand();
  const args = [String(port), host, hubUrl, ...(archive ? [archive.file, String(archive.maxBytes)] : [])];
  // 'advanced' (V8's serializer): a batch of spans crosses as the text it is, not escaped again as JSON.
  const child = fork(script, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the dev proxy's front process ended at start (exit ${code})`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.on('message', function first(message: FrontToHub) {
      if (message.type === 'spans' || message.type === 'archive-cut') return;
      child.off('message', first);
      child.off('exit', onExit);
      if (message.type === 'listening') return resolve({ child, port: message.port });
      reject(listenError(Object.assign(new Error(message.message), { code: message.code }), port, host));
    });
  });
}

/**
 * Forks the dev proxy's front (front-main.ts) on the public port and keeps it: its spans go to `onSpans`, a front
 * that dies is started again on the port it had, and it ends with the hub (its IPC channel closes).
 */
export async function startProxyFront(opts: ProxyFrontOptions): Promise<ProxyFront> {
  const host = opts.host ?? '127.0.0.1';
  const first = await forkFront(opts.port, host, opts.hubUrl, opts.archive);
  const port = first.port;
  let child = first.child;
  let last: string | undefined;
  let latest: FrontRoutes | undefined;
  let closing = false;
  let following = false;
  let drains = 0;
  const waiting = new Map<number, () => void>();

  const tell = (message: HubToFront) => {
    if (child.connected) child.send(message);
  };
  const send = (routes: FrontRoutes) => tell({ type: 'routes', ...routes });
  const take = (batches: string[]) => {
    for (const text of batches) {
      let batch: unknown;
      try {
        batch = JSON.parse(text);
      } catch {
        continue; // not ours: never a throw into the hub
      }
      if (Array.isArray(batch)) opts.onSpans(batch.filter(isProxySpanTuple));
    }
  };
  const settleDrains = () => {
    for (const done of waiting.values()) done();
    waiting.clear();
  };
  const watch = (c: ChildProcess) => {
    // A message to a front that just died fails with EPIPE: its exit (below) is what counts, never a throw in the hub.
    c.on('error', () => undefined);
    c.on('message', (message: FrontToHub) => {
      if (message.type === 'spans') {
        take(message.batches);
        if (message.id !== undefined) waiting.get(message.id)?.();
      } else if (message.type === 'archive-cut') opts.onArchiveCut?.();
    });
    c.once('exit', (code, signal) => {
      settleDrains(); // what it held is gone with it (its archive has what it had written)
      if (closing) return;
      opts.onExit?.(`the dev proxy's front process ended (${signal ?? `exit ${code}`}); starting it again on port ${port}`);
      void forkFront(port, host, opts.hubUrl, opts.archive).then(
        (again) => {
          if (closing) return void again.child.kill();
          child = again.child;
          watch(child);
          if (latest) send(latest);
          if (following) tell({ type: 'follow', on: true });
        },
        (error: Error) => opts.onExit?.(`the dev proxy's front process could not start again: ${error instanceof UserError ? error.message : error.stack}`),
      );
    });
  };
  watch(child);

  return {
    get port() {
      return port;
    },
    get pid() {
      return child.pid;
    },
    drain() {
      if (!child.connected) return Promise.resolve();
      const id = ++drains;
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, DRAIN_TIMEOUT_MS);
        function done() {
          clearTimeout(timer);
          waiting.delete(id);
          resolve();
        }
        waiting.set(id, done);
        tell({ type: 'drain', id });
      });
    },
    follow(on) {
      if (on === following) return;
      following = on;
      tell({ type: 'follow', on });
    },
    update(routes) {
      const json = JSON.stringify(routes);
      if (json === last) return;
      last = json;
      latest = routes;
      send(routes);
    },
    close: () =>
      new Promise<void>((done) => {
        closing = true;
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        if (child.connected) child.send({ type: 'close' } satisfies HubToFront);
        else child.kill();
      }),
  };
}
