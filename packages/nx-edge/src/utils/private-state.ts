import { appendFileSync, chmodSync, fchmodSync, mkdirSync, openSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * `.nx-edge/` holds this user's local state: dev logs (what Workers printed, which may carry data), the dev
 * hub's token, deploy history, Worker bundles. Whichever command creates it, it and everything under it are
 * private to the user: folders 0700, files 0600, and wider modes left by an older version or by hand are
 * tightened. The one home for those modes.
 */
export const STATE_DIR_NAME = '.nx-edge';

export const stateDir = (workspaceRoot: string, ...parts: string[]) => join(workspaceRoot, STATE_DIR_NAME, ...parts);

/** Creates `dir` (0700) and tightens it and every folder up to and including `.nx-edge/`. Returns `dir`. */
export function ensurePrivateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (let current = dir; ; current = dirname(current)) {
    tighten(current, 0o700);
    if (basename(current) === STATE_DIR_NAME || dirname(current) === current) break;
  }
  return dir;
}

function tighten(path: string, mode: number): void {
  try {
    if ((statSync(path).mode & 0o777) !== mode) chmodSync(path, mode);
  } catch {
    // gone meanwhile, or not ours: nothing to tighten
  }
}

/** Opens `file` for appending, created 0600 in a private folder; an existing wider file is tightened. */
export function openPrivateAppend(file: string): number {
  ensurePrivateDir(dirname(file));
  const fd = openSync(file, 'a', 0o600);
  fchmodSync(fd, 0o600);
  return fd;
}

/** Appends to `file`, created 0600 in a private folder (tightened if it was wider). */
export function appendPrivate(file: string, text: string): void {
  ensurePrivateDir(dirname(file));
  appendFileSync(file, text, { mode: 0o600 });
  tighten(file, 0o600);
}
