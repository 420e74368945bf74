import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import type { Plugin } from 'esbuild';

export interface PathAlias {
  /** `@shared/db` or the `@shared/` prefix of `@shared/*`. */
  pattern: string;
  wildcard: boolean;
  targets: string[];
}

/** compilerOptions.paths of the workspace's tsconfig.base.json (or tsconfig.json), resolved to absolute targets. */
export function readWorkspacePaths(workspaceRoot: string): PathAlias[] {
  const file = [join(workspaceRoot, 'tsconfig.base.json'), join(workspaceRoot, 'tsconfig.json')].find(existsSync);
  if (!file) return [];
  const json = (parseJsonc(readFileSync(file, 'utf8')) ?? {}) as { compilerOptions?: { baseUrl?: string; paths?: Record<string, string[]> } };
  const options = json.compilerOptions ?? {};
  const base = resolve(dirname(file), options.baseUrl ?? '.');
  return Object.entries(options.paths ?? {}).map(([key, targets]) => ({
    pattern: key.endsWith('*') ? key.slice(0, -1) : key,
    wildcard: key.endsWith('*'),
    targets: targets.map((t) => resolve(base, t)),
  }));
}

/**
 * Resolves the workspace's path aliases (`@shared/*`) for every file, whatever tsconfig the
 * project itself has: a lib added after the Worker must still resolve.
 */
export function workspacePathsPlugin(workspaceRoot: string): Plugin {
  const aliases = readWorkspacePaths(workspaceRoot).sort((a, b) => b.pattern.length - a.pattern.length);
  return {
    name: 'nx-edge-workspace-paths',
    setup(b) {
      if (aliases.length === 0) return;
      b.onResolve({ filter: /.*/ }, async (args) => {
        if ((args.pluginData as { nxEdgeAlias?: boolean } | undefined)?.nxEdgeAlias) return undefined;
        const alias = aliases.find((a) => (a.wildcard ? args.path.startsWith(a.pattern) : args.path === a.pattern));
        if (!alias) return undefined;
        const rest = alias.wildcard ? args.path.slice(alias.pattern.length) : '';
        for (const target of alias.targets) {
          const candidate = alias.wildcard ? target.replace('*', rest) : target;
          const result = await b.resolve(candidate, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { nxEdgeAlias: true } });
          if (result.errors.length === 0) return result;
        }
        return undefined;
      });
    },
  };
}
