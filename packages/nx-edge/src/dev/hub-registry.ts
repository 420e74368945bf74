import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedGroup } from './client/session-leftovers';
import { ensurePrivateDir, stateDir } from '../utils/private-state';

/**
 * `.nx-edge/dev/hub.json` (mode 0600 in a 0700 directory): how this user's nx-edge processes find the
 * workspace's dev hub, and the token its control port requires. No other local user can read it.
 */
export interface HubInfo {
  pid: number;
  controlPort: number;
  /** Required in the `x-nx-edge-token` header of every control request. */
  token: string;
  /** Required on the dashboard's actions; shown only in the dev terminal and by `nx-edge status` (the link `/?token=…`). */
  dashboardToken?: string;
  proxyPort: number;
  startedAt: number;
  workspaceRoot: string;
  /** The process groups of the services it runs (the hub's own group, pid, holds workerd). */
  serviceGroups?: RecordedGroup[];
}

const devDir = (workspaceRoot: string) => stateDir(workspaceRoot, 'dev');

/** `.nx-edge/dev/`, private to this user (0700), created if needed. */
export function ensurePrivateDevDir(workspaceRoot: string): string {
  return ensurePrivateDir(devDir(workspaceRoot));
}
export const hubFile = (workspaceRoot: string) => join(devDir(workspaceRoot), 'hub.json');
const lockFile = (workspaceRoot: string) => join(devDir(workspaceRoot), 'hub.lock');

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // A dead process nobody has reaped yet (a zombie) still answers kill(0).
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** What hub.json says, whether or not its hub still runs. */
export function readHubFile(workspaceRoot: string): HubInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(hubFile(workspaceRoot), 'utf8')) as HubInfo;
    return typeof info.pid === 'number' ? info : undefined;
  } catch {
    return undefined;
  }
}

/** The running hub, or undefined when there is none (no file, or its process is gone). */
export function readHub(workspaceRoot: string): HubInfo | undefined {
  const info = readHubFile(workspaceRoot);
  return info && isAlive(info.pid) ? info : undefined;
}

export function writeHub(workspaceRoot: string, info: HubInfo): void {
  ensurePrivateDevDir(workspaceRoot);
  // Atomic: a reader never sees half a file. 0600: it holds the control token.
  const tmp = `${hubFile(workspaceRoot)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info, null, 2), { mode: 0o600 });
  renameSync(tmp, hubFile(workspaceRoot));
}

/** Every process group of a hub's session, for stopLeftovers(). */
export function sessionGroups(info: HubInfo): RecordedGroup[] {
  return [{ pgid: info.pid, startedAt: info.startedAt }, ...(info.serviceGroups ?? [])];
}

/** Removes hub.json if it still describes this hub. */
export function removeHub(workspaceRoot: string, pid: number): void {
  try {
    const info = JSON.parse(readFileSync(hubFile(workspaceRoot), 'utf8')) as HubInfo;
    if (info.pid === pid) rmSync(hubFile(workspaceRoot), { force: true });
  } catch {
    // nothing to remove
  }
}

/**
 * Exclusive right to start a hub (O_EXCL create). A lock left by a dead process or older than 30 s is
 * taken over. Returns the release function, or undefined when someone else holds it.
 */
export function acquireStartLock(workspaceRoot: string, now = Date.now()): (() => void) | undefined {
  ensurePrivateDevDir(workspaceRoot);
  const file = lockFile(workspaceRoot);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!existsSync(file)) continue;
      let holder = NaN;
      let age = 0;
      try {
        holder = Number(readFileSync(file, 'utf8'));
        age = now - statSync(file).mtimeMs;
      } catch {
        continue;
      }
      if ((Number.isFinite(holder) && holder > 0 && !isAlive(holder)) || age > 30_000) {
        rmSync(file, { force: true });
        continue;
      }
      return undefined;
    }
  }
  return undefined;
}
