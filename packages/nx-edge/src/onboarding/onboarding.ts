import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { environmentNames, findWranglerConfig, readWranglerConfig } from '../config/wrangler-config';
import { devVarsKeys } from '../local/dev-vars';
import { envArgs } from '../wrangler/wrangler-args';
import { wranglerErrorSummary, type RunWrangler } from '../wrangler/wrangler-cli';
import { devInstallCommand, type PackageManager } from '../utils/package-manager';
import { compareVersions, findWranglerPackage, isSupportedWrangler, WRANGLER_PEER_RANGE, wranglerInstallSpec } from '../wrangler/wrangler-package';

const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.wrangler', '.nx-edge', '.nx', '.git', 'tmp', 'coverage']);

/** Folders holding a wrangler config (the Workers of the workspace), workspace-relative, sorted. */
export function findWorkerDirs(workspaceRoot: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6) return;
    if (dir !== workspaceRoot && findWranglerConfig(dir)) found.push(relative(workspaceRoot, dir));
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      if (SKIPPED_DIRS.has(entry) || entry.startsWith('.')) continue;
      const full = join(dir, entry);
      try {
        if (statSync(full).isDirectory()) walk(full, depth + 1);
      } catch {
        // vanished or unreadable: not a Worker
      }
    }
  };
  walk(workspaceRoot, 0);
  return found.sort();
}

export interface SetupStep {
  status: 'ok' | 'done' | 'warn' | 'fail';
  message: string;
}

export function checkNode(nodeVersion: string, minimum = '20.3.0'): SetupStep {
  return compareVersions(nodeVersion, minimum) >= 0
    ? { status: 'ok', message: `Node.js ${nodeVersion} (wrangler needs >= ${minimum})` }
    : { status: 'fail', message: `Node.js ${nodeVersion} is too old: wrangler needs >= ${minimum}. Install a newer Node.js (e.g. with nvm), then run setup again.` };
}

export function checkWrangler(installed: string | undefined, manager: PackageManager = 'npm'): SetupStep {
  const install = devInstallCommand(manager, wranglerInstallSpec());
  if (!installed) return { status: 'fail', message: `wrangler is not installed in this workspace. Run: ${install}` };
  if (isSupportedWrangler(installed)) return { status: 'ok', message: `wrangler ${installed}` };
  return { status: 'fail', message: `wrangler ${installed} is outside the range nx-edge supports (${WRANGLER_PEER_RANGE}). Run: ${install}` };
}

export function installedWranglerVersion(workspaceRoot: string): string | undefined {
  return findWranglerPackage(workspaceRoot)?.version;
}

/** Copies `.dev.vars.example` to `.dev.vars` where the latter is missing (owner-only permissions). */
export function createDevVars(workspaceRoot: string, workerDirs: string[]): SetupStep[] {
  const steps: SetupStep[] = [];
  for (const dir of workerDirs) {
    const example = join(workspaceRoot, dir, '.dev.vars.example');
    const target = join(workspaceRoot, dir, '.dev.vars');
    if (!existsSync(example)) continue;
    if (existsSync(target)) {
      steps.push({ status: 'ok', message: `${join(dir, '.dev.vars')} exists (left as is)` });
      continue;
    }
    copyFileSync(example, target);
    chmodSync(target, 0o600);
    const keys = devVarsKeys(readFileSync(example, 'utf8'));
    steps.push({ status: 'done', message: `created ${join(dir, '.dev.vars')} from .dev.vars.example${keys.length ? ` — fill in ${keys.join(', ')}` : ''}` });
  }
  return steps;
}

/** `wrangler d1 migrations apply <db> --local` for every D1 database with a migrations folder. */
export async function applyLocalMigrations(workspaceRoot: string, workerDirs: string[], runWrangler: RunWrangler): Promise<SetupStep[]> {
  const steps: SetupStep[] = [];
  for (const dir of workerDirs) {
    const configFile = findWranglerConfig(join(workspaceRoot, dir))!;
    let config;
    try {
      config = readWranglerConfig(configFile).config;
    } catch (error) {
      steps.push({ status: 'fail', message: (error as Error).message });
      continue;
    }
    for (const db of config.d1_databases ?? []) {
      const migrations = join(dirname(configFile), db.migrations_dir ?? 'migrations');
      if (!existsSync(migrations) || !readdirSync(migrations).some((f) => f.endsWith('.sql'))) continue;
      const name = db.database_name ?? db.binding;
      const result = await runWrangler(
        ['d1', 'migrations', 'apply', name, '--local', '--config', configFile, ...envArgs(undefined, environmentNames(config).length > 0)],
        { cwd: dirname(configFile) },
      );
      steps.push(
        result.code === 0
          ? { status: 'done', message: `applied local D1 migrations of ${dir} (${name}) into ${join(dir, '.wrangler/state')}` }
          : { status: 'fail', message: `wrangler d1 migrations apply ${name} --local failed in ${dir}: ${wranglerErrorSummary(result)}` },
      );
    }
  }
  return steps;
}

/** What `nx-edge reset` removes: each Worker's `.wrangler/state` and the workspace's `.nx-edge/`. */
export function localStatePaths(workspaceRoot: string, workerDirs: string[]): string[] {
  const paths = workerDirs.map((dir) => join(workspaceRoot, dir, '.wrangler', 'state'));
  paths.push(join(workspaceRoot, '.wrangler', 'state'), join(workspaceRoot, '.nx-edge'));
  return paths.filter((p) => existsSync(p));
}

export function removePaths(paths: string[]): void {
  for (const path of paths) rmSync(path, { recursive: true, force: true });
}
