import { resolve } from 'node:path';
import { BINDING_KINDS } from '../config/bindings';
import type { WorkerConfig } from '../config/wrangler-config';

/** The subset of Miniflare's per-worker options nx-edge sets (kept structural to avoid a hard import). */
export interface LocalWorkerOptions {
  name: string;
  modules: true;
  scriptPath: string;
  modulesRoot?: string;
  modulesRules?: { type: 'ESModule' | 'CommonJS' | 'Text' | 'Data' | 'CompiledWasm'; include: string[] }[];
  compatibilityDate?: string;
  compatibilityFlags?: string[];
  bindings?: Record<string, unknown>;
  kvNamespaces?: Record<string, string>;
  d1Databases?: Record<string, string>;
  r2Buckets?: Record<string, string>;
  queueProducers?: Record<string, string>;
  durableObjects?: Record<string, string | { className: string; scriptName?: string }>;
  serviceBindings?: Record<string, string | { name: string; entrypoint: string }>;
  hyperdrives?: Record<string, string>;
  workflows?: Record<string, { name: string; className: string; scriptName?: string }>;
  assets?: { directory: string; binding?: string; routerConfig?: { has_user_worker?: boolean } };
  queueConsumers?: Record<string, { maxBatchSize?: number; maxBatchTimeout?: number; maxRetries?: number; deadLetterQueue?: string }>;
}

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
