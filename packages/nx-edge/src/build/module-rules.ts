import type { WorkerConfig } from '../config/wrangler-config';

export type ModuleRuleType = 'ESModule' | 'CommonJS' | 'CompiledWasm' | 'Text' | 'Data';

export interface ModuleRule {
  type: ModuleRuleType;
  globs: string[];
  fallthrough?: boolean;
}

/** wrangler's default module rules: what an import of a non-JS file gives the Worker. */
export const DEFAULT_MODULE_RULES: ModuleRule[] = [
  { type: 'Text', globs: ['**/*.txt', '**/*.html', '**/*.sql'] },
  { type: 'Data', globs: ['**/*.bin'] },
  { type: 'CompiledWasm', globs: ['**/*.wasm', '**/*.wasm?module'] },
];

/** The config's own `rules` first (as wrangler does), then the defaults for types it did not claim. */
export function effectiveModuleRules(config: WorkerConfig): ModuleRule[] {
  const own = (config.rules ?? []).map((r) => ({ type: r.type as ModuleRuleType, globs: r.globs, fallthrough: r.fallthrough }));
  const claimed = new Set(own.filter((r) => !r.fallthrough).map((r) => r.type));
  return [...own, ...DEFAULT_MODULE_RULES.filter((r) => !claimed.has(r.type))];
}

/** esbuild's filter for a glob like `**\/*.wasm`: only extension globs are supported, as in practice. */
export function globToFilter(glob: string): RegExp {
  const ext = glob.replace(/^\*\*\/\*/, '').replace(/^\*/, '');
  const escaped = ext.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`${escaped}$`);
}
