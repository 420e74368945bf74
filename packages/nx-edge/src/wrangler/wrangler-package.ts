import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { UserError } from '../utils/user-error';
import { toolchainFor } from '../utils/versions';
import { installCommandFor } from '../utils/package-manager';

/**
 * The wrangler versions nx-edge is tested with (a peer dependency: the workspace's own copy runs).
 * The floor is the newest wrangler that runs on Node 20; the newest 4.x is tested on Node 22.
 */
export const WRANGLER_PEER_RANGE = '>=4.86.0 <5';
const WRANGLER_FLOOR = '4.86.0';
const WRANGLER_NEXT_MAJOR = 5;

export interface WranglerPackage {
  /** The folder of wrangler's package.json. */
  dir: string;
  version: string;
  /** wrangler's CLI entry (run with the current Node). */
  bin: string;
}

/** Compares dotted versions by their first three numbers (prerelease tags ignored). */
export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.replace(/^v/, '').split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

export function isSupportedWrangler(version: string): boolean {
  return compareVersions(version, WRANGLER_FLOOR) >= 0 && Number.parseInt(version, 10) < WRANGLER_NEXT_MAJOR;
}

/** What to install on this Node: the tested wrangler and the workers-types it wants. */
export function wranglerInstallSpec(nodeVersion = process.versions.node): string {
  const toolchain = toolchainFor(nodeVersion);
  return `wrangler@${toolchain.wrangler} @cloudflare/workers-types@${toolchain.workersTypes}`;
}

/**
 * The workspace's wrangler (found from `workspaceRoot`, then from this package — the same folders in
 * an installed workspace, the repo's own in our tests), or undefined.
 */
export function findWranglerPackage(workspaceRoot: string, fallbackFrom: string[] = [__dirname]): WranglerPackage | undefined {
  for (const paths of [[workspaceRoot], fallbackFrom]) {
    if (paths.length === 0) continue;
    let manifest: string;
    try {
      manifest = require.resolve('wrangler/package.json', { paths });
    } catch {
      continue; // not installed there
    }
    const dir = dirname(manifest);
    const bin = join(dir, 'bin', 'wrangler.js');
    if (!existsSync(bin)) continue;
    return { dir, version: (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version, bin };
  }
  return undefined;
}

/** A path inside the workspace relative to it, else absolute. */
export function displayPath(workspaceRoot: string, path: string): string {
  const rel = relative(workspaceRoot, path);
  return rel && !rel.startsWith('..') ? rel : path;
}

/** Where the user sees wrangler: `node_modules/wrangler` when that link is it (pnpm resolves into `.pnpm/…`). */
function wranglerDisplayPath(workspaceRoot: string, dir: string): string {
  const link = join(workspaceRoot, 'node_modules', 'wrangler');
  try {
    if (realpathSync(link) === realpathSync(dir)) return 'node_modules/wrangler';
  } catch {
    // no such link: show where it was found
  }
  return displayPath(workspaceRoot, dir);
}

/** The workspace's wrangler, or a UserError saying what to install when it is missing or out of range. */
export function requireWranglerPackage(workspaceRoot: string, fallbackFrom?: string[]): WranglerPackage {
  const found = findWranglerPackage(workspaceRoot, fallbackFrom);
  if (!found) {
    throw new UserError(
      `wrangler is not installed in this workspace; @aero/nx-edge runs the workspace's own wrangler (peer dependency ${WRANGLER_PEER_RANGE}). Install it: ${installCommandFor(workspaceRoot, wranglerInstallSpec())}`,
    );
  }
  if (!isSupportedWrangler(found.version)) {
    throw new UserError(
      `wrangler ${found.version} is installed (${wranglerDisplayPath(workspaceRoot, found.dir)}), but @aero/nx-edge supports wrangler ${WRANGLER_PEER_RANGE}. Install a supported one: ${installCommandFor(workspaceRoot, wranglerInstallSpec())}`,
    );
  }
  return found;
}
