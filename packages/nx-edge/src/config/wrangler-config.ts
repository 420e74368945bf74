import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { parse as parseToml, TomlError } from 'smol-toml';
import { UserError } from '../utils/user-error';
import { findWranglerConfig, WRANGLER_CONFIG_FILES } from './config-file';

// wrangler's own lookup order when several configs sit in one folder (kept apart, without parsers).
export { findWranglerConfig, WRANGLER_CONFIG_FILES };
export const WRANGLER_CONFIG_GLOB = '**/wrangler.{toml,jsonc,json}';

export interface ServiceBinding { binding: string; service: string; environment?: string; entrypoint?: string }
export interface KvBinding { binding: string; id?: string; preview_id?: string }
export interface D1Binding { binding: string; database_name?: string; database_id?: string; migrations_dir?: string; migrations_table?: string; preview_database_id?: string }
export interface R2Binding { binding: string; bucket_name?: string; preview_bucket_name?: string; jurisdiction?: string }
export interface QueueProducer { binding: string; queue: string; delivery_delay?: number }
export interface QueueConsumer { queue: string; max_batch_size?: number; max_batch_timeout?: number; max_retries?: number; dead_letter_queue?: string }
export interface DurableObjectBinding { name: string; class_name: string; script_name?: string; environment?: string }
export interface HyperdriveBinding { binding: string; id?: string; localConnectionString?: string }
export interface TailConsumer { service: string; environment?: string }
export interface DispatchNamespaceBinding { binding: string; namespace: string }

/** The subset of wrangler's config that nx-edge reads. Unknown keys are kept and passed through. */
export interface WorkerConfig {
  name?: string;
  main?: string;
  compatibility_date?: string;
  compatibility_flags?: string[];
  account_id?: string;
  workers_dev?: boolean;
  route?: unknown;
  routes?: unknown[];
  vars?: Record<string, unknown>;
  services?: ServiceBinding[];
  kv_namespaces?: KvBinding[];
  d1_databases?: D1Binding[];
  r2_buckets?: R2Binding[];
  queues?: { producers?: QueueProducer[]; consumers?: QueueConsumer[] };
  durable_objects?: { bindings?: DurableObjectBinding[] };
  migrations?: unknown[];
  hyperdrive?: HyperdriveBinding[];
  tail_consumers?: TailConsumer[];
  dispatch_namespaces?: DispatchNamespaceBinding[];
  triggers?: { crons?: string[] };
  rules?: { type: string; globs: string[]; fallthrough?: boolean }[];
  [key: string]: unknown;
}

export interface WranglerConfig extends WorkerConfig {
  env?: Record<string, WorkerConfig>;
}

export type WranglerConfigFormat = 'toml' | 'jsonc' | 'json';

export interface LoadedWranglerConfig {
  /** Absolute or workspace-relative path the config was read from. */
  file: string;
  format: WranglerConfigFormat;
  config: WranglerConfig;
}

export function configFormatOf(file: string): WranglerConfigFormat {
  const name = basename(file);
  if (name.endsWith('.toml')) return 'toml';
  if (name.endsWith('.jsonc')) return 'jsonc';
  return 'json';
}


function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Parses a wrangler config's text. Syntax errors become a UserError naming file and line.
 * `file` is only used for messages and to pick the format.
 */
export function parseWranglerConfig(text: string, file: string): WranglerConfig {
  const format = configFormatOf(file);
  let parsed: unknown;
  if (format === 'toml') {
    try {
      parsed = parseToml(text);
    } catch (error) {
      const line = error instanceof TomlError ? error.line : undefined;
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new UserError(`${file}${line ? `:${line}` : ''}: invalid TOML: ${reason}. Fix the syntax at that line.`);
    }
  } else {
    const errors: ParseError[] = [];
    parsed = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
    if (errors.length > 0) {
      const first = errors[0];
      throw new UserError(
        `${file}:${lineOf(text, first.offset)}: invalid JSON: ${printParseErrorCode(first.error)}. Fix the syntax at that line.`,
      );
    }
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UserError(`${file}: a wrangler config must be an object of settings (name, main, bindings, ...).`);
  }
  validateShape(parsed as WranglerConfig, file);
  return parsed as WranglerConfig;
}

const ARRAY_KEYS = ['services', 'kv_namespaces', 'd1_databases', 'r2_buckets', 'hyperdrive', 'tail_consumers', 'dispatch_namespaces', 'compatibility_flags'] as const;

function validateShape(config: WranglerConfig, file: string, prefix = ''): void {
  if (config.name !== undefined && typeof config.name !== 'string') {
    throw new UserError(`${file}: "${prefix}name" must be a string (the Worker's name).`);
  }
  if (config.main !== undefined && typeof config.main !== 'string') {
    throw new UserError(`${file}: "${prefix}main" must be a string (the entry module, e.g. "src/index.ts").`);
  }
  for (const key of ARRAY_KEYS) {
    const value = config[key];
    if (value !== undefined && !Array.isArray(value)) {
      throw new UserError(`${file}: "${prefix}${key}" must be a list (in TOML: [[${prefix}${key}]] tables).`);
    }
  }
  for (const service of config.services ?? []) {
    if (!service || typeof service.service !== 'string' || typeof service.binding !== 'string') {
      throw new UserError(`${file}: every "${prefix}services" entry needs "binding" and "service" strings.`);
    }
  }
  if (!prefix && config.env !== undefined) {
    if (typeof config.env !== 'object' || Array.isArray(config.env)) {
      throw new UserError(`${file}: "env" must be a table of environments ([env.staging], ...).`);
    }
    for (const [envName, envConfig] of Object.entries(config.env)) {
      validateShape(envConfig ?? {}, file, `env.${envName}.`);
    }
  }
}

export function readWranglerConfig(file: string): LoadedWranglerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${file}: cannot read the wrangler config. Check that the file exists and is readable.`);
  }
  return { file, format: configFormatOf(file), config: parseWranglerConfig(text, file) };
}

/** Names of the `[env.<name>]` sections, in file order. */
export function environmentNames(config: WranglerConfig): string[] {
  return Object.keys(config.env ?? {});
}

/**
 * Keys wrangler copies from the top level into an environment when the environment does not set
 * them. Everything else (bindings, vars, define, ...) is not inherited and must be repeated.
 */
export const INHERITABLE_KEYS = [
  'main', 'compatibility_date', 'compatibility_flags', 'account_id', 'workers_dev', 'preview_urls', 'route', 'routes',
  'tsconfig', 'jsx_factory', 'jsx_fragment', 'build', 'no_bundle', 'minify', 'keep_names', 'find_additional_modules',
  'preserve_file_names', 'base_dir', 'rules', 'triggers', 'usage_model', 'limits', 'placement', 'logpush', 'observability',
  'upload_source_maps', 'assets', 'first_party_worker', 'keep_vars', 'logfwdr', 'python_modules',
] as const;

export const NON_INHERITABLE_BINDING_KEYS = [
  'vars', 'define', 'durable_objects', 'kv_namespaces', 'r2_buckets', 'services', 'd1_databases', 'queues',
  'tail_consumers', 'analytics_engine_datasets', 'hyperdrive', 'vectorize', 'ai', 'browser', 'images',
  'mtls_certificates', 'dispatch_namespaces', 'version_metadata', 'send_email', 'workflows', 'secrets_store_secrets',
  'pipelines', 'unsafe',
] as const;

/**
 * The effective config of one environment, following wrangler's rules: inheritable keys fall back
 * to the top level, the name becomes `<name>-<env>` unless the env names itself, bindings come only
 * from the env section. No environment (undefined or "") gives the top level.
 */
export function resolveEnvironment(config: WranglerConfig, envName?: string): WorkerConfig {
  const { env, ...top } = config;
  if (!envName) return top;
  const section = env?.[envName];
  if (!section) {
    throw new UserError(
      `The wrangler config has no [env.${envName}] section. Known environments: ${environmentNames(config).join(', ') || '(none)'}.`,
    );
  }
  const resolved: Record<string, unknown> = {};
  for (const key of INHERITABLE_KEYS) {
    if (section[key] !== undefined) resolved[key] = section[key];
    else if (top[key] !== undefined) resolved[key] = top[key];
  }
  for (const [key, value] of Object.entries(section)) {
    if (!(INHERITABLE_KEYS as readonly string[]).includes(key)) resolved[key] = value;
  }
  resolved.name = section.name ?? (top.name ? `${top.name}-${envName}` : undefined);
  return resolved;
}

export type WorkerReferenceKind = 'service' | 'tail_consumer' | 'durable_object' | 'queue_producer' | 'workflow';

export interface WorkerReference {
  kind: WorkerReferenceKind;
  /** The Worker name for service/tail/DO references, the queue name for a producer. */
  target: string;
  binding?: string;
}

/** Queue names this config consumes (top level and every env). */
export function consumedQueues(config: WranglerConfig): string[] {
  const queues = new Set<string>();
  for (const section of [config, ...Object.values(config.env ?? {})]) {
    for (const c of section.queues?.consumers ?? []) if (c?.queue) queues.add(c.queue);
  }
  return [...queues];
}
