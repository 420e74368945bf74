import { resolve } from 'node:path';
import { BINDING_KINDS } from '../config/bindings';
import type { LocalWorkerOptions } from '../config/bindings/binding-kind';
import type { WorkerConfig } from '../config/wrangler-config';

// The options type belongs to the binding catalogue (each kind says which it sets); re-exported for callers.
export type { LocalWorkerOptions } from '../config/bindings/binding-kind';

/**
 * How a Worker's wrangler config runs locally in Miniflare: vars and `.dev.vars` values as plain
 * bindings; KV, D1, R2 keyed by their ids/names so state persists per resource; services and
 * Durable Objects of other Workers by name (they must run in the same Miniflare instance).
 */
export function localWorkerOptions(
  config: WorkerConfig,
  bundle: { scriptPath: string; modulesRoot: string; /** resolves assets.directory */ projectRoot?: string },
  devVars: Record<string, string> = {},
  environment: NodeJS.ProcessEnv = process.env,
): LocalWorkerOptions {
  const name = config.name ?? 'worker';
  const options: LocalWorkerOptions = {
    name,
    modules: true,
    scriptPath: bundle.scriptPath,
    modulesRoot: bundle.modulesRoot,
    modulesRules: [
      { type: 'CompiledWasm', include: ['**/*.wasm'] },
      { type: 'Data', include: ['**/*.bin'] },
    ],
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    bindings: { ...(config.vars ?? {}), ...devVars },
  };
  for (const kind of BINDING_KINDS) Object.assign(options, kind.local?.(config, { workerName: name, environment }));
  // Static assets served as on Cloudflare: the asset router answers files, the Worker the rest.
  const assets = config.assets as { directory?: string; binding?: string } | undefined;
  if (assets?.directory && bundle.projectRoot) {
    options.assets = { directory: resolve(bundle.projectRoot, assets.directory), binding: assets.binding, routerConfig: { has_user_worker: true } };
  }
  for (const key of Object.keys(options) as (keyof LocalWorkerOptions)[]) if (options[key] === undefined) delete options[key];
  return options;
}
