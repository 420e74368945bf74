import { builtinModules } from 'node:module';
import type { WorkerConfig } from '../config/wrangler-config';

const BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));

export function hasNodeCompat(config: WorkerConfig): boolean {
  const flags = config.compatibility_flags ?? [];
  return flags.includes('nodejs_compat') || flags.includes('nodejs_compat_v2') || flags.includes('nodejs_als');
}

/** `fs`, `node:fs`, `fs/promises` → the `node:` specifier workerd serves, or undefined for non-builtins. */
export function nodeBuiltinSpecifier(path: string): string | undefined {
  const bare = path.startsWith('node:') ? path.slice(5) : path;
  const root = bare.split('/')[0];
  if (!BUILTINS.has(bare) && !BUILTINS.has(root)) return undefined;
  return `node:${bare}`;
}
