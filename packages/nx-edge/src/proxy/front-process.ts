import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../utils/user-error';
import type { FrontRoutes } from './front-proxy';
import type { ProxySpanTuple } from './proxy-span';
import { listenError } from './listen-error';

export type HubToFront = ({ type: 'routes' } & FrontRoutes) | { type: 'close' };
export type FrontToHub = { type: 'listening'; port: number } | { type: 'failed'; code?: string; message: string } | { type: 'spans'; spans: ProxySpanTuple[] };

export interface ProxyFrontOptions {
  port: number;
  host?: string;
  /** The hub's own proxy, on an internal port. */
  hubUrl: string;
  /** The front's spans, as it sent them: the trace store keeps them so (see StoredSpan). */
  onSpans(spans: ProxySpanTuple[]): void;
  /** The front ended without being asked (it is started again). */
  onExit?(message: string): void;
}

export interface ProxyFront {
  readonly port: number;
  /** The front process's pid (a new one after it was started again). */
  readonly pid: number | undefined;
  /** Tells the front the session's routes (sent only when they changed). */
  update(routes: FrontRoutes): void;
  close(): Promise<void>;
}

/** front-main.js beside this file (dist), or the .ts through swc when run from sources (tests). */
function frontCommand(): { script: string; execArgv: string[] } {
  const built = join(__dirname, 'front-main.js');
  // The hub's smaller young generation suits its log bursts, not the front's request garbage.
  if (existsSync(built)) return { script: built, execArgv: process.execArgv.filter((a) => !a.startsWith('--max-semi-space-size')) };
  return { script: join(__dirname, 'front-main.ts'), execArgv: ['--require', require.resolve('@swc-node/register')] };
}

function forkFront(port: number, host: string, hubUrl: string): Promise<{ child: ChildProcess; port: number }> {
  const { script, execArgv } = frontCommand();
  const child = fork(script, [String(port), host, hubUrl], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the dev proxy's front process ended at start (exit ${code})`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.on('message', function first(message: FrontToHub) {
      if (message.type === 'spans') return;
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
  const first = await forkFront(opts.port, host, opts.hubUrl);
  const port = first.port;
  let child = first.child;
  let last: string | undefined;
  let latest: FrontRoutes | undefined;
  let closing = false;

  const send = (routes: FrontRoutes) => {
    if (child.connected) child.send({ type: 'routes', ...routes } satisfies HubToFront);
  };
  const watch = (c: ChildProcess) => {
    c.on('message', (message: FrontToHub) => {
      if (message.type === 'spans') opts.onSpans(message.spans);
    });
    c.once('exit', (code, signal) => {
      if (closing) return;
      opts.onExit?.(`the dev proxy's front process ended (${signal ?? `exit ${code}`}); starting it again on port ${port}`);
      void forkFront(port, host, opts.hubUrl).then(
        (again) => {
          if (closing) return void again.child.kill();
          child = again.child;
          watch(child);
          if (latest) send(latest);
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
