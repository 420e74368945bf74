import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { bundleWorker } from '../build/bundle-worker';
import { BINDING_KINDS } from '../config/bindings';
import { applyD1Migrations } from '../local/d1-migrations';
import { loadMiniflare } from '../wrangler/miniflare';
import { findWorkspaceRoot } from '../utils/workspace-root';
import { findWranglerConfig, readWranglerConfig } from '../config/wrangler-config';
import { parseDevVars } from '../local/dev-vars';
import { localWorkerOptions } from '../local/worker-options';
import { UserError } from '../utils/user-error';
import { isRpcStandIn, STAND_IN_WORKER, standInDispatcher, type RpcStandIn, type ServiceHandler } from './stand-ins';
import { emptyStorage, isPoolable, putIdle, signatureOf, takeIdle, type PooledWorker } from './worker-pool';

export interface StartWorkerOptions {
  /** The Worker's folder (where its wrangler config is). Default: the current directory. */
  projectRoot?: string;
  /** Workspace root for `@shared/*` aliases. Default: the nearest folder upwards with nx.json. */
  workspaceRoot?: string;
  /** Extra or replaced plain bindings (vars, secrets) for this test. */
  bindings?: Record<string, unknown>;
  /**
   * Per service binding: a fetch handler standing in for the other Worker (`{ USERS: (req) => Response.json([...]) }`),
   * an object of the methods the Worker calls over RPC (`{ USERS: { getUser: (id) => ({ id }) } }`, JSON in and out),
   * or `{ projectRoot }` of a workspace Worker, built from TypeScript and run beside this one in workerd.
   * A call to a binding given none of these fails the test's call, saying how to add one.
   */
  services?: Record<string, ServiceStandIn>;
  /**
   * What backs Hyperdrive bindings and a DATABASE_URL declared in `.dev.vars.example`: `'embedded'`
   * (default) starts an empty PGlite Postgres for this Worker; a connection string uses that server.
   */
  postgres?: 'embedded' | (string & {});
}

/** Thrown by a RunningWorker call during which the Worker used a service binding the test did not provide. */
export class MissingServiceError extends Error {
  override name = 'MissingServiceError';
}

export type { RpcStandIn, ServiceHandler };
/** A fetch handler, an object of RPC methods, or `{ projectRoot }` of the real workspace Worker. */
export type ServiceStandIn = ServiceHandler | RpcStandIn | { projectRoot: string };

export interface RunningWorker {
  /** fetch() against the Worker running in workerd; a path is resolved against http://localhost. */
  fetch(input: string | Request, init?: RequestInit): Promise<Response>;
  /** Runs the Worker's `scheduled` handler (a cron trigger) and returns its outcome. */
  scheduled(options?: { cron?: string; scheduledTime?: Date }): Promise<{ outcome: string; noRetry: boolean }>;
  /** Delivers a batch to the Worker's `queue` handler, as the queue would. */
  queue(queueName: string, messages: { body: unknown; id?: string; timestamp?: Date; attempts?: number }[]): Promise<{ outcome: string; explicitAcks: string[]; retryMessages: { msgId: string }[] }>;
  /** The Worker's bindings, reachable from the test (KV, D1, R2… as Miniflare proxies). */
  env: Record<string, any>;
  /** The embedded Postgres behind Hyperdrive / DATABASE_URL, when the Worker has one. */
  postgres?: { connectionString: string };
  /** The wrangler config file the env was built from (for messages). */
  configFile: string;
  dispose(): Promise<void>;
}

type BindingKind = 'kv_namespaces' | 'd1_databases' | 'r2_buckets';

function bindingOf(worker: RunningWorker, kind: BindingKind, what: string, helper: string, binding?: string): any {
  const { config } = readWranglerConfig(worker.configFile);
  const declared = ((config[kind] ?? []) as { binding: string }[]).map((b) => b.binding);
  const name = binding ?? (declared.length === 1 ? declared[0] : undefined);
  if (!name || !declared.includes(name)) {
    const fix = declared.length ? `declared: ${declared.join(', ')}${binding ? '' : ` — name one: ${helper}(worker, '${declared[0]}')`}` : `add one to "${kind}" there`;
    throw new UserError(`${helper}: ${worker.configFile} declares ${binding ? `no ${what} binding ${binding}` : declared.length ? 'several ' + what + ' bindings' : `no ${what} binding`} (${fix}).`);
  }
  return worker.env[name];
}

/** The Worker's D1 database (the only one, or the named binding), migrations applied, empty otherwise. */
export function getTestDB(worker: RunningWorker, binding?: string): D1Like {
  return bindingOf(worker, 'd1_databases', 'D1', 'getTestDB', binding);
}

/** The Worker's KV namespace (the only one, or the named binding); empty at the start of each file. */
export function getTestKV(worker: RunningWorker, binding?: string): any {
  return bindingOf(worker, 'kv_namespaces', 'KV', 'getTestKV', binding);
}

/** The Worker's R2 bucket (the only one, or the named binding). */
export function getTestR2(worker: RunningWorker, binding?: string): any {
  return bindingOf(worker, 'r2_buckets', 'R2', 'getTestR2', binding);
}

export interface D1Like {
  prepare(sql: string): { bind(...values: unknown[]): any; run(): Promise<any>; all(): Promise<{ results: any[] }>; first(): Promise<any> };
  exec(sql: string): Promise<unknown>;
}

/** Keys `.dev.vars.example` declares that neither the test's .dev.vars file, vars nor `bindings` give a value. */
export function missingDevVars(example: Record<string, string>, provided: Record<string, unknown>): string[] {
  return Object.keys(example).filter((key) => provided[key] === undefined || provided[key] === '');
}


/**
 * Builds the Worker from its TypeScript sources exactly as `nx build` does and runs it in real
 * workerd (Miniflare, in-memory storage), so a spec tests the code where it will run.
 */
export async function startWorker(options: StartWorkerOptions = {}): Promise<RunningWorker> {
  const projectRoot = resolve(options.projectRoot ?? process.cwd());
  const configFile = findWranglerConfig(projectRoot);
  if (!configFile) throw new UserError(`${projectRoot} has no wrangler config; startWorker needs the Worker's folder (projectRoot).`);
  const { config } = readWranglerConfig(configFile);
  const workspaceRoot = options.workspaceRoot ?? findWorkspaceRoot(projectRoot);
  const outDirs: string[] = [];
  const removeOutDirs = () => outDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  // Bundles a Worker from TS as `nx build` does; modules listed explicitly because Miniflare's import
  // walker refuses bundles with dynamic import() (NestJS).
  const workerFrom = async (root: string, configPath: string, workerConfig: typeof config, extra: Record<string, unknown>) => {
    const outDir = mkdtempSync(join(tmpdir(), 'nx-edge-worker-'));
    outDirs.push(outDir);
    const bundle = await bundleWorker({ workspaceRoot, projectRoot: root, configFile: configPath, config: workerConfig, outDir, sourcemap: true });
    const devVarsFile = [join(root, '.dev.vars.test'), join(root, '.dev.vars')].find(existsSync);
    const devVars = devVarsFile ? parseDevVars(readFileSync(devVarsFile, 'utf8')) : {};
    const { scriptPath, ...rest } = localWorkerOptions(workerConfig, { scriptPath: bundle.entry, modulesRoot: outDir, projectRoot }, devVars);
    return { ...rest, modules: [{ type: 'ESModule', path: scriptPath }], ...extra } as Record<string, any>;
  };
  const exampleFile = join(projectRoot, '.dev.vars.example');
  const example = existsSync(exampleFile) ? parseDevVars(readFileSync(exampleFile, 'utf8')) : {};
  const testVarsFile = join(projectRoot, '.dev.vars.test');
  const testVars = existsSync(testVarsFile) ? parseDevVars(readFileSync(testVarsFile, 'utf8')) : {};
  const hyperdrives = (config.hyperdrive ?? []).map((h) => h.binding);
  // DATABASE_URL declared for the Worker and not pinned by .dev.vars.test: the embedded Postgres.
  const wantsDatabaseUrl = 'DATABASE_URL' in example && !testVars.DATABASE_URL && options.bindings?.DATABASE_URL === undefined;
  let postgres: { connectionString: string; close(): Promise<void> } | undefined;
  if (hyperdrives.length || wantsDatabaseUrl) {
    if (options.postgres && options.postgres !== 'embedded') postgres = { connectionString: options.postgres, close: async () => undefined };
    else postgres = await (await import('./postgres')).startEmbeddedPostgres();
  }
  const closePostgres = () => postgres?.close().catch(() => undefined);
  let main: Record<string, any>;
  try {
    main = await workerFrom(projectRoot, configFile, config, {});
  } catch (error) {
    await closePostgres();
    removeOutDirs();
    throw error;
  }
  main.bindings = { ...main.bindings, ...(wantsDatabaseUrl ? { DATABASE_URL: postgres!.connectionString } : {}), ...options.bindings };
  if (hyperdrives.length) main.hyperdrives = Object.fromEntries(hyperdrives.map((b) => [b, postgres!.connectionString]));
  const missing = missingDevVars(example, main.bindings);
  if (missing.length) {
    await closePostgres();
    removeOutDirs();
    const rel = (file: string) => relative(workspaceRoot, file) || file;
    throw new UserError(
      `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} declared in ${rel(exampleFile)} but ${missing.length === 1 ? 'has' : 'have'} no value in this test: add ${missing.map((k) => `${k}=<test value>`).join(', ')} to ${rel(testVarsFile)} (or .dev.vars), or pass startWorker({ bindings: { ${missing[0]}: '…' } }).`,
    );
  }
  const siblings: Record<string, any>[] = [];
  const siblingConfigs: (typeof config)[] = [];
  // Real Workers started beside this one get their D1 migrations too, or their first query fails.
  const siblingMigrations: { worker: string; root: string; config: typeof config }[] = [];
  // Stand-ins are called through this slot, so a pooled Worker can serve the next file's handlers.
  const slot: PooledWorker['slot'] = { standIns: {}, misses: [] };
  const serviceBindings: Record<string, unknown> = {};
  for (const [binding, bound] of Object.entries((main.serviceBindings ?? {}) as Record<string, string | { name: string; entrypoint: string }>)) {
    const service = typeof bound === 'string' ? bound : bound.name;
    const entrypoint = typeof bound === 'string' ? undefined : bound.entrypoint;
    const standIn = options.services?.[binding];
    if (standIn && typeof standIn === 'object' && 'projectRoot' in standIn && typeof standIn.projectRoot === 'string') {
      const siblingRoot = resolve(projectRoot, standIn.projectRoot);
      const siblingConfigFile = findWranglerConfig(siblingRoot);
      if (!siblingConfigFile) throw new UserError(`startWorker services.${binding}: ${siblingRoot} has no wrangler config; give the projectRoot of a Worker.`);
      const siblingConfig = readWranglerConfig(siblingConfigFile).config;
      siblingConfigs.push(siblingConfig);
      const name = `${siblingConfig.name ?? service}#${binding}`;
      // Its own service bindings answer 503: only one level of real Workers is started.
      const sibling = await workerFrom(siblingRoot, siblingConfigFile, siblingConfig, { name });
      siblingMigrations.push({ worker: name, root: siblingRoot, config: siblingConfig });
      sibling.serviceBindings = Object.fromEntries(
        Object.keys(sibling.serviceBindings ?? {}).map((b) => [b, () => new Response(`service binding ${b} of ${name} is not started in this test`, { status: 503 })]),
      );
      siblings.push(sibling);
      serviceBindings[binding] = entrypoint ? { name, entrypoint } : name;
    } else {
      // A handler, an object of RPC methods, or nothing: a stand-in Worker that asks this slot, so a
      // pooled Worker serves the next file's stand-ins, and a call to nothing fails the test's call.
      slot.standIns[binding] = typeof standIn === 'function' || isRpcStandIn(standIn) ? standIn : undefined;
      const name = `${binding}#stand-in`;
      siblings.push({
        name,
        compatibilityDate: main.compatibilityDate,
        modules: [{ type: 'ESModule', path: 'stand-in-v1.mjs', contents: STAND_IN_WORKER }],
        serviceBindings: { NODE: standInDispatcher(slot, binding, service) },
      });
      serviceBindings[binding] = name;
    }
  }
  for (const binding of Object.keys(options.services ?? {})) {
    if (binding in serviceBindings) continue;
    await closePostgres();
    removeOutDirs();
    throw new UserError(`startWorker services.${binding}: ${configFile} declares no service binding ${binding}; add it to "services" there or remove it from the test.`);
  }
  if (Object.keys(serviceBindings).length) main.serviceBindings = serviceBindings;
  const migrate = async (mf: { getD1Database(binding: string, worker?: string): Promise<any> }) => {
    for (const db of config.d1_databases ?? []) {
      await applyD1Migrations(await mf.getD1Database(db.binding), join(projectRoot, db.migrations_dir ?? 'migrations'), db.binding, db.migrations_table);
    }
    for (const sibling of siblingMigrations) {
      for (const db of sibling.config.d1_databases ?? []) {
        await applyD1Migrations(await mf.getD1Database(db.binding, sibling.worker), join(sibling.root, db.migrations_dir ?? 'migrations'), db.binding, db.migrations_table);
      }
    }
  };
  // Only the main Worker's storage is emptied between files: a real sibling with storage is not reused.
  const siblingsStateless = siblingConfigs.every((c) => !BINDING_KINDS.some((kind) => kind.emptyForNextTest && kind.names(c).length > 0));
  const poolable = siblingsStateless && isPoolable([config, ...siblingConfigs], postgres !== undefined);
  const signature = poolable ? signatureOf([main, ...siblings]) : undefined;
  const pooled = signature ? takeIdle(signature) : undefined;
  if (pooled) {
    // The same Worker, already running with emptied storage: this file's handlers, fresh migrations.
    pooled.slot.standIns = slot.standIns;
    pooled.slot.misses = slot.misses;
    removeOutDirs();
    return runningWorker({ ...pooled, mf: pooled.mf as any }, signature);
  }
  let Miniflare: typeof import('miniflare').Miniflare;
  try {
    ({ Miniflare } = loadMiniflare(projectRoot));
  } catch (error) {
    await closePostgres();
    removeOutDirs();
    throw error;
  }
  const mf = new Miniflare({ workers: [main, ...siblings], cf: false } as never);
  await mf.ready;
  try {
    await migrate(mf);
  } catch (error) {
    await mf.dispose();
    await closePostgres();
    removeOutDirs();
    throw error;
  }
  const env = await mf.getBindings<Record<string, any>>();
  return runningWorker({ mf, env, slot, outDirs: [...outDirs] }, signature);

  function runningWorker(instance: PooledWorker & { mf: InstanceType<typeof import('miniflare').Miniflare> }, poolKey: string | undefined): RunningWorker {
    const { mf } = instance;
    const handlers = () => mf.getWorker() as Promise<any>;
    const disposeFully = async (w: PooledWorker) => {
      await w.mf.dispose();
      w.outDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
    };
    /** Fails the call that reached a service binding the test gave no handler, with the hint. */
    const checked = async <T>(call: Promise<T>): Promise<T> => {
      const result = await call;
      const misses = instance.slot.misses.splice(0);
      if (misses.length) throw new MissingServiceError([...new Set(misses)].join('\n'));
      return result;
    };
    return {
      env: instance.env,
      configFile: configFile as string,
      ...(postgres ? { postgres: { connectionString: postgres.connectionString } } : {}),
      fetch: (input, init) =>
        checked(mf.dispatchFetch((typeof input === 'string' ? new URL(input, 'http://localhost').toString() : input) as never, init as never) as unknown as Promise<Response>),
      scheduled: async (opts = {}) =>
        checked((await handlers()).scheduled({ cron: opts.cron ?? config.triggers?.crons?.[0] ?? '* * * * *', scheduledTime: opts.scheduledTime ?? new Date() })),
      queue: async (queueName, messages) =>
        checked(
          (await handlers()).queue(
            queueName,
            messages.map((m, i) => ({ id: m.id ?? `message-${i}`, timestamp: m.timestamp ?? new Date(), attempts: m.attempts ?? 1, body: m.body })),
          ),
        ),
      async dispose() {
        await closePostgres();
        if (poolKey) {
          try {
            // Emptied and re-migrated now, so the next file starts as from a new workerd.
            await emptyStorage(instance.env, config);
            await migrate(mf);
            await putIdle(poolKey, instance, disposeFully);
            return;
          } catch {
            // could not be emptied: not reused
          }
        }
        await disposeFully(instance);
      },
    };
  }
}
