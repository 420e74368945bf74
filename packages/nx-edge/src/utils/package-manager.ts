import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun';

const LOCKFILES: [string, PackageManager][] = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
  ['package-lock.json', 'npm'],
];

/**
 * The package manager of the workspace holding `fromDir`: its lockfile decides (the nearest folder with one),
 * else package.json's `packageManager` field, else npm. Every install command nx-edge prints uses it.
 */
export function detectPackageManager(fromDir: string, exists: (file: string) => boolean = existsSync, read: (file: string) => string = (f) => readFileSync(f, 'utf8')): PackageManager {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    for (const [file, manager] of LOCKFILES) if (exists(join(dir, file))) return manager;
    if (exists(join(dir, 'package.json'))) {
      try {
        const field = (JSON.parse(read(join(dir, 'package.json'))) as { packageManager?: string }).packageManager;
        const name = field?.split('@')[0] as PackageManager | undefined;
        if (name && ['npm', 'pnpm', 'yarn', 'bun'].includes(name)) return name;
      } catch {
        // unreadable package.json: keep looking up
      }
    }
    if (dirname(dir) === dir) return 'npm';
  }
}

/** The command that adds dev dependencies at the workspace root with that package manager. */
export function devInstallCommand(manager: PackageManager, specs: string): string {
  switch (manager) {
    case 'pnpm':
      return `pnpm add -D -w ${specs}`;
    case 'yarn':
      return `yarn add -D ${specs}`;
    case 'bun':
      return `bun add -d ${specs}`;
    default:
      return `npm install -D ${specs}`;
  }
}

/** `devInstallCommand` for the workspace holding `fromDir`. */
export function installCommandFor(fromDir: string, specs: string): string {
  return devInstallCommand(detectPackageManager(fromDir), specs);
}
