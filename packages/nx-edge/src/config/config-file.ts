import { existsSync } from 'node:fs';
import { join } from 'node:path';

// Where a Worker's wrangler config is, without its parsers: a dev task (one per Worker, all starting
// at once) needs only this.

/** The file names wrangler looks for, in its own order of preference. */
export const WRANGLER_CONFIG_FILES = ['wrangler.json', 'wrangler.jsonc', 'wrangler.toml'] as const;

/** The wrangler config in `dir`, in wrangler's own order of preference, or undefined. */
export function findWranglerConfig(dir: string): string | undefined {
  for (const name of WRANGLER_CONFIG_FILES) {
    const file = join(dir, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** Folders that hold build output, caches or dependencies: never projects. */
const IGNORED_SEGMENTS = new Set(['node_modules', 'dist', '.wrangler', '.nx-edge', '.nx', 'tmp', 'coverage']);

/** A config under build output, caches or dependencies (never a project). */
export function isIgnoredConfigPath(configFile: string): boolean {
  return configFile.split('/').some((segment) => IGNORED_SEGMENTS.has(segment));
}
