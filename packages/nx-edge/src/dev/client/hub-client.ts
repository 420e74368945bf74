import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { join } from 'node:path';
import { createLineSplitter } from '../../logs/log-line';
import { UserError } from '../../utils/user-error';
import { hubErrorFile } from '../hub-error';
import { acquireStartLock, ensurePrivateDevDir, isAlive, readHub, readHubFile, removeHub, sessionGroups, type HubInfo } from '../hub-registry';
import { stopLeftovers } from './session-leftovers';
import type { AttachRequest, HubEvent } from '../protocol';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How often a starting task looks for the hub's hub.json (a file read): the whole session waits on it. */
const HUB_POLL_MS = 15;

/**
 * The hub's launcher script (it starts hub-main detached). Nx runs a workspace-local plugin from its
 * TypeScript sources; the hub is a plain node process, so it then runs from the package's build
 * (dist/), or through @swc-node/register.
 */
export function hubCommand(): string[] {
  const built = join(__dirname, '..', 'hub', 'hub-launch.js');
  if (existsSync(built)) return [built];
  const fromDist = join(__dirname, '..', '..', '..', 'dist', 'src', 'dev', 'hub', 'hub-launch.js');
  if (existsSync(fromDist)) return [fromDist];
  // Resolved here: the hub's cwd is the workspace, which need not have it.
  return ['--require', require.resolve('@swc-node/register'), join(__dirname, '..', 'hub', 'hub-launch.ts')];
}

export interface ConnectOptions {
  proxyPort: number;
  /** How long to wait for a hub to come up. */
  timeoutMs?: number;
  /** The hub's launcher script (tests point at a built copy). */
  hubScript?: string;
  /** Told what was cleaned up of a previous session whose hub had died. */
  onNote?(line: string): void;
}

/**
 * A hub.json whose hub is gone (kill -9, OOM, a reboot): stop what that session left running (workerd,
 * service process groups) and remove the file. Returns a line saying what was done, or undefined.
 */
export async function cleanStaleSession(workspaceRoot: string): Promise<string | undefined> {
  const stale = readHubFile(workspaceRoot);
  if (!stale || isAlive(stale.pid)) return undefined;
  const stopped = await stopLeftovers(sessionGroups(stale));
  removeHub(workspaceRoot, stale.pid);
  return `nx-edge dev: the previous dev hub (pid ${stale.pid}) had exited without cleaning up; ${stopped.length ? `stopped the ${stopped.length} process${stopped.length === 1 ? '' : 'es'} it left behind (pids ${stopped.join(', ')})` : 'nothing of it was left running'} and removed its stale hub.json.`;
}

/** The dashboard with its token, as `nx-edge status` and the starting dev task print it. */
export function dashboardLink(info: HubInfo): string {
  return `http://localhost:${info.proxyPort}/${info.dashboardToken ? `?token=${info.dashboardToken}` : ''}`;
}

/**
 * The workspace's running dev hub, started (detached, in its own session and process group, output to
 * `.nx-edge/dev/hub.log`) when there is none. Several clients racing here start exactly one.
 */
export async function connectToHub(workspaceRoot: string, opts: ConnectOptions): Promise<HubInfo> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  const devDir = ensurePrivateDevDir(workspaceRoot);
  while (Date.now() < deadline) {
    const running = readHub(workspaceRoot);
    if (running) return running;
    const release = acquireStartLock(workspaceRoot);
    if (!release) {
      await sleep(HUB_POLL_MS);
      continue;
    }
    try {
      const again = readHub(workspaceRoot);
      if (again) return again;
      const cleaned = await cleanStaleSession(workspaceRoot);
      if (cleaned) opts.onNote?.(cleaned);
      rmSync(hubErrorFile(workspaceRoot), { force: true });
      // The launcher starts the hub detached and exits at once: the hub is not a child of this task.
      const launcher = spawnSync(process.execPath, [...(opts.hubScript ? [opts.hubScript] : hubCommand()), workspaceRoot, String(opts.proxyPort)], {
        cwd: workspaceRoot,
        encoding: 'utf8',
        timeout: 15_000,
      });
      const hubPid = Number(launcher.stdout?.trim());
      if (!Number.isInteger(hubPid) || hubPid <= 0) {
        throw new UserError(`nx-edge dev could not start its hub: ${(launcher.stderr || launcher.error?.message || `the launcher exited with code ${launcher.status}`).trim()}`);
      }
      while (Date.now() < deadline) {
        const info = readHub(workspaceRoot);
        if (info) {
          // The client that started the session shows the dashboard's link once (its token is nowhere else on screen).
          if (info.dashboardToken) opts.onNote?.(`nx-edge dev: dashboard ${dashboardLink(info)} (the link carries the token its actions need: keep it to yourself)`);
          return info;
        }
        if (!isAlive(hubPid)) {
          const file = hubErrorFile(workspaceRoot);
          const reason = existsSync(file) ? readFileSync(file, 'utf8') : `it exited; see ${join(devDir, 'hub.log')}`;
          throw new UserError(`nx-edge dev could not start: ${reason}`);
        }
        await sleep(HUB_POLL_MS);
      }
    } finally {
      release();
    }
  }
  throw new UserError(`nx-edge dev: no dev hub answered within ${Math.round((opts.timeoutMs ?? 30_000) / 1000)} s; see ${join(devDir, 'hub.log')}.`);
}

/** The body of POST /attach. */

export interface Attachment {
  /** Resolves when the hub closes the stream — it stopped, or this client left — never while the service runs. */
  closed: Promise<void>;
  /** Drops the connection: the hub stops the service (as when this process dies). */
  detach(): void;
  /** Asks the hub to stop this client's services and report them on the stream before closing it. */
  leave(): Promise<void>;
}

/** A request to the hub's control port, with the session token only this user can read. */
function controlRequest(hub: HubInfo, method: string, path: string): ClientRequest {
  return request({
    host: '127.0.0.1',
    port: hub.controlPort,
    method,
    path,
    headers: { 'content-type': 'application/json', 'x-nx-edge-token': hub.token },
  });
}

/** Registers the service with the hub and streams its events until either side goes away. */
export function attachToHub(hub: HubInfo, request: Pick<AttachRequest, 'spec' | 'plan' | 'closure'>, onEvent: (event: HubEvent) => void): Attachment {
  const { spec } = request;
  let detach = () => {};
  const clientId = randomBytes(12).toString('hex');
  const closed = new Promise<void>((resolve, reject) => {
    const req = controlRequest(hub, 'POST', '/attach');
    req.on('response', (res) => {
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
    req.end(JSON.stringify({ ...request, clientId } satisfies AttachRequest));
    detach = () => req.destroy();
  });
  const leave = () =>
    new Promise<void>((resolve) => {
      const req = controlRequest(hub, 'POST', '/leave');
      req.on('response', (res) => {
        res.resume();
        resolve();
      });
      req.on('error', () => resolve());
      req.end(JSON.stringify({ clientId }));
    });
  return { closed, detach: () => detach(), leave };
}
