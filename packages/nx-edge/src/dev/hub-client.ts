import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { createLineSplitter } from '../logs/log-line';
import { UserError } from '../utils/user-error';
import type { HubEvent } from './hub/dev-hub';
import { hubErrorFile } from './hub/hub-error';
import { acquireStartLock, readHub, type HubInfo } from './hub-registry';
import type { ServiceSpec } from './types';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The hub's entry script. Nx runs a workspace-local plugin from its TypeScript sources; the hub is a
 * plain node process, so it then runs from the package's build (dist/), or through @swc-node/register.
 */
export function hubCommand(): string[] {
  const built = join(__dirname, 'hub', 'hub-main.js');
  if (existsSync(built)) return [built];
  const fromDist = join(__dirname, '..', '..', 'dist', 'src', 'dev', 'hub', 'hub-main.js');
  if (existsSync(fromDist)) return [fromDist];
  // Resolved here: the hub's cwd is the workspace, which need not have it.
  return ['--require', require.resolve('@swc-node/register'), join(__dirname, 'hub', 'hub-main.ts')];
}

export interface ConnectOptions {
  proxyPort: number;
  /** How long to wait for a hub to come up. */
  timeoutMs?: number;
  /** The hub's entry script (tests point at a built copy). */
  hubScript?: string;
}

/**
 * The workspace's running dev hub, started (detached, in its own process group, output to
 * `.nx-edge/dev/hub.log`) when there is none. Several clients racing here start exactly one.
 */
export async function connectToHub(workspaceRoot: string, opts: ConnectOptions): Promise<HubInfo> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  const devDir = join(workspaceRoot, '.nx-edge', 'dev');
  mkdirSync(devDir, { recursive: true });
  while (Date.now() < deadline) {
    const running = readHub(workspaceRoot);
    if (running) return running;
    const release = acquireStartLock(workspaceRoot);
    if (!release) {
      await sleep(50);
      continue;
    }
    try {
      const again = readHub(workspaceRoot);
      if (again) return again;
      const log = openSync(join(devDir, 'hub.log'), 'a');
      let exited: number | null | undefined;
      const child = spawn(process.execPath, [...(opts.hubScript ? [opts.hubScript] : hubCommand()), workspaceRoot, String(opts.proxyPort)], {
        cwd: workspaceRoot,
        detached: true,
        stdio: ['ignore', log, log],
        env: { ...process.env, FORCE_COLOR: '0' },
      });
      closeSync(log);
      child.on('exit', (code) => (exited = code));
      child.unref();
      while (Date.now() < deadline) {
        const info = readHub(workspaceRoot);
        if (info) return info;
        if (exited !== undefined) {
          const file = hubErrorFile(workspaceRoot);
          const reason = existsSync(file) ? readFileSync(file, 'utf8') : `it exited with code ${exited}; see ${join(devDir, 'hub.log')}`;
          throw new UserError(`nx-edge dev could not start: ${reason}`);
        }
        await sleep(50);
      }
    } finally {
      release();
    }
  }
  throw new UserError(`nx-edge dev: no dev hub answered within ${Math.round((opts.timeoutMs ?? 30_000) / 1000)} s; see ${join(devDir, 'hub.log')}.`);
}

/** The body of POST /attach. */
export interface AttachRequest {
  spec: ServiceSpec;
  plan: ServiceSpec[];
}

export interface Attachment {
  /** Resolves when the hub closes the stream (it stopped) — never while the service runs. */
  closed: Promise<void>;
  detach(): void;
}

/** Registers the service with the hub and streams its events until either side goes away. */
export function attachToHub(hub: HubInfo, spec: ServiceSpec, plan: ServiceSpec[], onEvent: (event: HubEvent) => void): Attachment {
  let detach = () => {};
  const closed = new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: hub.controlPort, method: 'POST', path: '/attach', headers: { 'content-type': 'application/json' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new UserError(`nx-edge dev hub refused ${spec.service} (HTTP ${res.statusCode}).`));
        return;
      }
      const splitter = createLineSplitter((line) => {
        if (!line) return;
        try {
          onEvent(JSON.parse(line) as HubEvent);
        } catch {
          // a torn line cannot happen on a local stream; ignore anything unreadable
        }
      });
      res.on('data', (chunk: Buffer) => splitter.write(chunk));
      res.on('end', () => resolve());
      res.on('close', () => resolve());
    });
    req.on('error', (error) => reject(new UserError(`nx-edge dev hub (pid ${hub.pid}) is not reachable: ${error.message}`)));
    req.end(JSON.stringify({ spec, plan } satisfies AttachRequest));
    detach = () => req.destroy();
  });
  return { closed, detach: () => detach() };
}
