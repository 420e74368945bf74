import { resolve } from 'node:path';
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
  serviceBindings?: Record<string, string>;
  hyperdrives?: Record<string, string>;
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
  const byBinding = <T extends { binding: string }>(list: T[] | undefined, id: (b: T) => string | undefined) =>
    list?.length ? Object.fromEntries(list.map((b) => [b.binding, id(b) ?? `${name}-${b.binding}`])) : undefined;
  options.kvNamespaces = byBinding(config.kv_namespaces, (b) => b.preview_id ?? b.id);
  options.d1Databases = byBinding(config.d1_databases, (b) => b.preview_database_id ?? b.database_id ?? b.database_name);
  options.r2Buckets = byBinding(config.r2_buckets, (b) => b.preview_bucket_name ?? b.bucket_name);
  options.queueProducers = byBinding(config.queues?.producers, (b) => b.queue);
  const consumers = config.queues?.consumers ?? [];
  if (consumers.length) {
    options.queueConsumers = Object.fromEntries(
      consumers.map((c) => [
        c.queue,
        { maxBatchSize: c.max_batch_size, maxBatchTimeout: c.max_batch_timeout, maxRetries: c.max_retries, deadLetterQueue: c.dead_letter_queue },
      ]),
    );
  }
  options.serviceBindings = byBinding(config.services, (b) => b.service);
  // As wrangler dev: CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_<BINDING>, else the config's localConnectionString.
  const hyperdrives = (config.hyperdrive ?? [])
    .map((h) => [h.binding, environment[`CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_${h.binding}`] ?? h.localConnectionString] as const)
    .filter((entry): entry is readonly [string, string] => !!entry[1]);
  if (hyperdrives.length) options.hyperdrives = Object.fromEntries(hyperdrives);
  // Static assets served as on Cloudflare: the asset router answers files, the Worker the rest.
  const assets = config.assets as { directory?: string; binding?: string } | undefined;
  if (assets?.directory && bundle.projectRoot) {
    options.assets = { directory: resolve(bundle.projectRoot, assets.directory), binding: assets.binding, routerConfig: { has_user_worker: true } };
  }
  const dos = config.durable_objects?.bindings;
  if (dos?.length) {
    options.durableObjects = Object.fromEntries(
      dos.map((d) => [d.name, d.script_name ? { className: d.class_name, scriptName: d.script_name } : d.class_name]),
    );
  }
  for (const key of Object.keys(options) as (keyof LocalWorkerOptions)[]) if (options[key] === undefined) delete options[key];
  return options;
}
