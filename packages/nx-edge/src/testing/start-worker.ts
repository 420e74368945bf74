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
  /** Handlers standing in for the Workers this one binds to: `{ USERS: (req) => Response.json([...]) }`. */
  services?: Record<string, (request: Request) => Response | Promise<Response>>;
}

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
  const outDir = mkdtempSync(join(tmpdir(), 'nx-edge-worker-'));
  const bundle = await bundleWorker({ workspaceRoot: options.workspaceRoot ?? findWorkspaceRoot(projectRoot), projectRoot, configFile, config, outDir, sourcemap: true });
  const devVarsFile = [join(projectRoot, '.dev.vars.test'), join(projectRoot, '.dev.vars')].find(existsSync);
  const devVars = devVarsFile ? parseDevVars(readFileSync(devVarsFile, 'utf8')) : {};
  const workerOptions = localWorkerOptions(config, { scriptPath: bundle.entry, modulesRoot: outDir }, devVars);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Miniflare } = require(require.resolve('miniflare', { paths: [projectRoot, __dirname] })) as typeof import('miniflare');
  const { scriptPath, ...rest } = workerOptions;
  const mf = new Miniflare({
    ...rest,
    // Listed explicitly: Miniflare's import walker refuses bundles with dynamic import() (NestJS).
    modules: [{ type: 'ESModule', path: scriptPath }],
    bindings: { ...workerOptions.bindings, ...options.bindings },
    // Other Workers do not run here: each service binding answers from the test's handler, or 503.
    serviceBindings: Object.fromEntries(
      Object.entries(workerOptions.serviceBindings ?? {}).map(([binding, service]) => [
        binding,
        options.services?.[binding] ??
          (() => new Response(`service binding ${binding} (${service}) has no handler in this test: pass startWorker({ services: { ${binding}: (request) => ... } })`, { status: 503 })),
      ]),
    ),
    cf: false,
  } as never);
  await mf.ready;
  try {
    for (const db of config.d1_databases ?? []) {
      await applyMigrations(await mf.getD1Database(db.binding), join(projectRoot, db.migrations_dir ?? 'migrations'), db.binding);
    }
  } catch (error) {
    await mf.dispose();
    rmSync(outDir, { recursive: true, force: true });
    throw error;
  }
  const env = (await mf.getBindings()) as Record<string, any>;
  return {
    env,
    fetch: (input, init) => mf.dispatchFetch((typeof input === 'string' ? new URL(input, 'http://localhost').toString() : input) as never, init as never) as unknown as Promise<Response>,
    async dispose() {
      await mf.dispose();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}
