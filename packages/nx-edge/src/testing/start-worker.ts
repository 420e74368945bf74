import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { bundleWorker } from '../build/bundle-worker';
import { findWranglerConfig, readWranglerConfig } from '../config/wrangler-config';
import { localWorkerOptions, parseDevVars } from '../dev/worker-options';
import { UserError } from '../utils/user-error';

export interface StartWorkerOptions {
  /** The Worker's folder (where its wrangler config is). Default: the current directory. */
  projectRoot?: string;
  /** Workspace root for `@shared/*` aliases. Default: the nearest folder upwards with nx.json. */
  workspaceRoot?: string;
  /** Extra or replaced plain bindings (vars, secrets) for this test. */
  bindings?: Record<string, unknown>;
  /**
   * Per service binding: a handler standing in for the other Worker (`{ USERS: (req) => Response.json([...]) }`),
   * or `{ projectRoot }` of a workspace Worker, built from TypeScript and run beside this one in workerd.
   */
  services?: Record<string, ServiceStandIn>;
}

export type ServiceHandler = (request: Request) => Response | Promise<Response>;
export type ServiceStandIn = ServiceHandler | { projectRoot: string };


export interface RunningWorker {
  /** fetch() against the Worker running in workerd; a path is resolved against http://localhost. */
  fetch(input: string | Request, init?: RequestInit): Promise<Response>;
  /** The Worker's bindings, reachable from the test (KV, D1, R2… as Miniflare proxies). */
  env: Record<string, any>;
  dispose(): Promise<void>;
}

/** SQL text → statements (split on `;` at line ends; comments dropped). */
export function splitSqlStatements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Applies every `*.sql` of a D1 migrations folder in name order, as `wrangler d1 migrations apply` does. */
async function applyMigrations(db: { prepare(sql: string): { run(): Promise<unknown> } }, dir: string, binding: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    for (const statement of splitSqlStatements(readFileSync(join(dir, file), 'utf8'))) {
      try {
        await db.prepare(statement).run();
      } catch (error) {
        throw new UserError(`D1 migration ${join(dir, file)} (binding ${binding}) failed: ${(error as Error).message}\n  in: ${statement.slice(0, 200)}`);
      }
    }
  }
}

function findWorkspaceRoot(from: string): string {
  for (let dir = resolve(from); dirname(dir) !== dir; dir = dirname(dir)) if (existsSync(join(dir, 'nx.json'))) return dir;
  return resolve(from);
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
    const { scriptPath, ...rest } = localWorkerOptions(workerConfig, { scriptPath: bundle.entry, modulesRoot: outDir }, devVars);
    return { ...rest, modules: [{ type: 'ESModule', path: scriptPath }], ...extra } as Record<string, any>;
  };
  const main = await workerFrom(projectRoot, configFile, config, {});
  main.bindings = { ...main.bindings, ...options.bindings };
  const siblings: Record<string, any>[] = [];
  const serviceBindings: Record<string, unknown> = {};
  for (const [binding, service] of Object.entries((main.serviceBindings ?? {}) as Record<string, string>)) {
    const standIn = options.services?.[binding];
    if (typeof standIn === 'function') serviceBindings[binding] = standIn;
    else if (standIn) {
      const siblingRoot = resolve(projectRoot, standIn.projectRoot);
      const siblingConfigFile = findWranglerConfig(siblingRoot);
      if (!siblingConfigFile) throw new UserError(`startWorker services.${binding}: ${siblingRoot} has no wrangler config; give the projectRoot of a Worker.`);
      const siblingConfig = readWranglerConfig(siblingConfigFile).config;
      const name = `${siblingConfig.name ?? service}#${binding}`;
      // Its own service bindings answer 503: only one level of real Workers is started.
      const sibling = await workerFrom(siblingRoot, siblingConfigFile, siblingConfig, { name });
      sibling.serviceBindings = Object.fromEntries(
        Object.keys(sibling.serviceBindings ?? {}).map((b) => [b, () => new Response(`service binding ${b} of ${name} is not started in this test`, { status: 503 })]),
      );
      siblings.push(sibling);
      serviceBindings[binding] = name;
    } else {
      // Other Workers do not run here unless asked: a missing stand-in answers 503 saying how to add one.
      serviceBindings[binding] = () =>
        new Response(`service binding ${binding} (${service}) has no handler in this test: pass startWorker({ services: { ${binding}: (request) => ... } })`, { status: 503 });
    }
  }
  for (const binding of Object.keys(options.services ?? {})) {
    if (!(binding in serviceBindings)) throw new UserError(`startWorker services.${binding}: ${configFile} declares no service binding ${binding}; add it to "services" there or remove it from the test.`);
  }
  if (Object.keys(serviceBindings).length) main.serviceBindings = serviceBindings;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Miniflare } = require(require.resolve('miniflare', { paths: [projectRoot, __dirname] })) as typeof import('miniflare');
  const mf = new Miniflare({ workers: [main, ...siblings], cf: false } as never);
  await mf.ready;
  try {
    for (const db of config.d1_databases ?? []) {
      await applyMigrations(await mf.getD1Database(db.binding), join(projectRoot, db.migrations_dir ?? 'migrations'), db.binding);
    }
  } catch (error) {
    await mf.dispose();
    removeOutDirs();
    throw error;
  }
  const env = (await mf.getBindings()) as Record<string, any>;
  return {
    env,
    fetch: (input, init) => mf.dispatchFetch((typeof input === 'string' ? new URL(input, 'http://localhost').toString() : input) as never, init as never) as unknown as Promise<Response>,
    async dispose() {
      await mf.dispose();
      removeOutDirs();
    },
  };
}
