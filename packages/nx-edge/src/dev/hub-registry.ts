import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** `.nx-edge/dev/hub.json`: how clients, `nx-edge status` and the dashboard find a workspace's dev hub. */
export interface HubInfo {
  pid: number;
  controlPort: number;
  proxyPort: number;
  startedAt: number;
  workspaceRoot: string;
}

const devDir = (workspaceRoot: string) => join(workspaceRoot, '.nx-edge', 'dev');
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

/** The running hub, or undefined when there is none (no file, or its process is gone). */
export function readHub(workspaceRoot: string): HubInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(hubFile(workspaceRoot), 'utf8')) as HubInfo;
    return typeof info.pid === 'number' && isAlive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

export function writeHub(workspaceRoot: string, info: HubInfo): void {
  mkdirSync(devDir(workspaceRoot), { recursive: true });
  // Atomic: a reader never sees half a file.
  const tmp = `${hubFile(workspaceRoot)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info, null, 2));
  renameSync(tmp, hubFile(workspaceRoot));
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
  mkdirSync(devDir(workspaceRoot), { recursive: true });
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
