import type { WorkerConfig, WorkerReference } from '../wrangler-config';

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

/** A binding workerd cannot provide locally (Cloudflare runs it): listed in dev, never dropped silently. */
export interface RemoteOnlyBinding {
  binding: string;
  /** What it is, in the words of the wrangler config key. */
  kind: string;
}

/** A name or id a section uses that another env's section must not share (or it reaches that env's data). */
export interface IsolatedValue {
  /** e.g. d1_databases, queues.producers */
  key: string;
  binding: string;
  value: string;
  what: string;
  /** ids are never "renamed": the env needs its own resource. */
  isId: boolean;
}

export interface LocalContext {
  /** The Worker's name: local resources without an id are keyed `<worker>-<binding>`. */
  workerName: string;
  environment: NodeJS.ProcessEnv;
}

/** One resource of an env as `provision` sees it: in the account or not, and what the config needs. */
export interface PlannedResource {
  /** The catalogue key of its kind, e.g. kv_namespaces. */
  kind: string;
  /** KV title, D1 database name, R2 bucket or queue name. */
  name: string;
  binding?: string;
  /** create: missing in the account; exists: nothing to do; write: exists but the config lacks its id; unknown-id: the config's id is not in the account. */
  action: 'create' | 'exists' | 'write' | 'unknown-id';
  id?: string;
  /** Config edits to make (path → value; '' = the id of what gets created), e.g. env.staging.kv_namespaces[0].id. */
  writes: { path: (string | number)[]; value: string }[];
  /** Where the account's id sits in the config (removed when the resource is destroyed). */
  idPath?: (string | number)[];
}

/** A resource of the account, found by name or id (provision --import). */
export interface FoundResource {
  id?: string;
  name: string;
}

/** How a kind reads the account, through wrangler (so its login, account and API settings apply). */
export interface ProvisionContext {
  /** The Worker's name in this env: default resource names start with it. */
  worker: string;
  /** The config path of field `field` of entry `index` of list `key`, in the section being provisioned. */
  path(key: string, index: number, field: string): (string | number)[];
  /** Any config path inside the section being provisioned (`env.<name>.` before it for an env). */
  at(...path: (string | number)[]): (string | number)[];
  /** wrangler's stdout; a failure throws naming `what`. */
  wrangler(args: string[], what: string): Promise<string>;
  /** Whether wrangler finds it: false when its output matches `notFound`, any other failure throws. */
  found(args: string[], notFound: RegExp, what: string): Promise<boolean>;
  /** JSON out of wrangler's output (after any banner). */
  json<T>(text: string, what: string): T;
}

/** What `nx g @aero/nx-edge:binding --type=<type>` needs to write one entry. */
export interface GeneratorInput {
  binding: string;
  /** The binding in kebab case (USER_FILES → user-files), for default resource names. */
  kebab: string;
  /** The Worker's name (default resource names start with it). */
  worker: string;
  env?: string;
  id?: string;
  databaseName?: string;
  bucketName?: string;
  queue?: string;
  className?: string;
  scriptName?: string;
  /** For services: the target Worker's name in this env, resolved by the generator. */
  service?: string;
}

/**
 * Everything nx-edge knows about one kind of binding, in one place (as Miniflare keeps each kind in
 * its own plugin folder): how it is declared in wrangler config (top level or per env; bindings are
 * never inherited into envs), the graph edges it draws, how it runs locally in dev and tests (or that
 * it cannot), which of its names must differ per env, what a deploy needs set, how the binding
 * generator writes it, and how a reused test Worker empties it.
 */
export interface BindingKind {
  /** The wrangler config key. */
  key: string;
  /** What people call one: "KV namespace". */
  label: string;
  /** The names on `env` it declares in one section. */
  names(section: WorkerConfig): string[];
  /** Other Workers (or queues) it names: edges of the service graph. */
  references?(section: WorkerConfig): WorkerReference[];
  /** Its Miniflare options for dev and tests. A kind without `local` is remote-only. */
  local?(section: WorkerConfig, ctx: LocalContext): Partial<LocalWorkerOptions>;
  /** The bindings of this kind workerd cannot provide in this section. */
  remoteOnly?(section: WorkerConfig, ctx: LocalContext): RemoteOnlyBinding[];
  /** Names and ids that must differ between envs. */
  isolated?(section: WorkerConfig): IsolatedValue[];
  /** Entries a deploy cannot ship as they are (no id, no queue). */
  incomplete?(section: WorkerConfig): { binding: string; missing: string; field?: string }[];
  /** `nx g @aero/nx-edge:binding --type=<type>`. */
  generator?: {
    type: string;
    label: string;
    /** The binding name offered when none is given (service and do name it after their target). */
    defaultName: string;
    /** Where in the section the entry goes. */
    path: string[];
    item(input: GeneratorInput): Record<string, unknown>;
  };
  /** `nx run <project>:provision`: what exists in the account, what to create, which ids to write back. */
  provision?: {
    /** What one is called in the plan: "KV namespace". */
    resource: string;
    plan(section: WorkerConfig, ctx: ProvisionContext): Promise<PlannedResource[]>;
    /** wrangler arguments that create one. */
    createArgs(name: string): string[];
    /** The config needs the new resource's id (read back from the account after creating). */
    idAfterCreate?: boolean;
    /** wrangler arguments that delete one (provision --destroy; never asks: nx-edge asked first). */
    deleteArgs(resource: PlannedResource): string[];
    /** The account's resource named or with id `value`, for provision --import. */
    find(value: string, ctx: ProvisionContext): Promise<FoundResource | undefined>;
    /** The edits that point this section's binding `binding` at `found`; undefined when this kind has no such binding. */
    importWrites(section: WorkerConfig, binding: string, found: FoundResource, ctx: ProvisionContext): { path: (string | number)[]; value: string }[] | undefined;
  };
  /** Empties its storage so a reused test Worker starts as a new one (see testing/worker-pool). */
  emptyForNextTest?(env: Record<string, unknown>, section: WorkerConfig): Promise<void>;
  /** A test Worker with this kind cannot be emptied and reused. */
  keepsStateBetweenTests?(section: WorkerConfig): boolean;
}

type Named = { binding?: string; name?: string };

/** The entries of a list-valued key (`[]` when absent or malformed). */
export function listOf<T = Named>(section: WorkerConfig, key: string): T[] {
  const value = section[key];
  return Array.isArray(value) ? (value as T[]).filter((v) => v && typeof v === 'object') : [];
}

/** `{ BINDING: id }` for Miniflare, or undefined when the list is empty. */
export function byBinding<T extends { binding: string }>(list: T[], id: (b: T) => string | undefined, workerName: string): Record<string, string> | undefined {
  return list.length ? Object.fromEntries(list.map((b) => [b.binding, id(b) ?? `${workerName}-${b.binding}`])) : undefined;
}

/** A remote-only kind whose entries are a list keyed by `binding` (or `name`). */
export function remoteOnlyList(key: string, label: string): BindingKind {
  return {
    key,
    label,
    names: (section) => listOf(section, key).map((b) => b.binding ?? b.name ?? '').filter(Boolean),
    remoteOnly: (section) => listOf(section, key).flatMap((b) => (b.binding ?? b.name ? [{ binding: (b.binding ?? b.name)!, kind: label }] : [])),
  };
}

/** A remote-only kind declared once per Worker (`"ai": { "binding": "AI" }`). */
export function remoteOnlySingle(key: string, label: string): BindingKind {
  const entry = (section: WorkerConfig) => {
    const value = section[key] as Named | undefined;
    return value && typeof value === 'object' ? (value.binding ?? key.toUpperCase()) : undefined;
  };
  return {
    key,
    label,
    names: (section) => {
      const name = entry(section);
      return name ? [name] : [];
    },
    remoteOnly: (section) => {
      const name = entry(section);
      return name ? [{ binding: name, kind: label }] : [];
    },
  };
}
