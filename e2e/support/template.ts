import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const E2E_TMP = join(REPO_ROOT, 'tmp', 'e2e');
const TARBALLS = join(REPO_ROOT, 'dist', 'tarballs');
const HARNESS_VERSION = '2';

/**
 * Which Node and wrangler the e2e workspaces run: this machine's Node 20 with the wrangler pinned for
 * it (the default), or — with NX_EDGE_E2E_NODE=22 (the e2e-node22 project) — Node 22 from the npm
 * registry with the newest wrangler 4.x the registry serves, as most users run.
 */
export type E2eNode = '20' | '22';
export function e2eNode(): E2eNode {
  return process.env.NX_EDGE_E2E_NODE === '22' ? '22' : '20';
}
export function templateDir(node: E2eNode = e2eNode()): string {
  return join(E2E_TMP, node === '22' ? 'template-node22' : 'template');
}
/** Node 22 installed from the npm registry (the `node` package ships its binary in a registry package). */
const NODE22_DIR = join(E2E_TMP, 'node22');
export const NODE22_BIN_DIR = join(NODE22_DIR, 'node_modules', 'node', 'bin');

/** Versions the template installs: the set nx-edge supports on Node 20. */
export const TEMPLATE_DEPENDENCIES = {
  nx: '24.0.6',
  '@nx/devkit': '24.0.0',
  typescript: '5.9.3',
  vitest: '4.1.12',
  '@vitest/coverage-v8': '4.1.12',
  // A peer dependency of @aero/nx-edge: the workspace brings it, and with it its Miniflare.
  wrangler: '4.86.0',
  '@cloudflare/workers-types': '4.20260702.1',
  // What the function generator's framework templates import.
  hono: '4.13.19',
  express: '5.3.0',
  '@nestjs/common': '11.2.10',
  '@nestjs/core': '11.2.10',
  '@nestjs/platform-express': '11.2.10',
  'reflect-metadata': '0.2.2',
  rxjs: '7.8.2',
  // A real Postgres driver, for the embedded-Postgres (Hyperdrive) tests, and PGlite (an optional peer
  // dependency of @aero/nx-edge) that serves it.
  pg: '8.23.1',
  '@electric-sql/pglite': '0.5.14',
  '@electric-sql/pglite-socket': '0.2.17',
};

export const HERMETIC_ENV = {
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  NX_SKIP_NX_CACHE: undefined as string | undefined,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  FORCE_COLOR: '0',
  CI: 'true',
};

export function tarballs(): { nxEdge: string; edgeRuntime: string } {
  if (!existsSync(TARBALLS)) throw new Error('dist/tarballs is missing: run `npm run pack:local` first (npm test does).');
  const files = readdirSync(TARBALLS);
  const find = (prefix: string) => {
    const file = files.find((f) => f.startsWith(prefix) && f.endsWith('.tgz'));
    if (!file) throw new Error(`no ${prefix}*.tgz in dist/tarballs: run npm run pack:local`);
    return join(TARBALLS, file);
  };
  return { nxEdge: find('aero-nx-edge-'), edgeRuntime: find('aero-edge-runtime-') };
}

/** PATH entries in front of the inherited PATH: Node 22's bin for the Node 22 workspaces. */
export function runtimePath(node: E2eNode = e2eNode()): string[] {
  return node === '22' ? [NODE22_BIN_DIR] : [];
}

function ensureNode22(): void {
  if (existsSync(join(NODE22_BIN_DIR, 'node'))) return;
  mkdirSync(NODE22_DIR, { recursive: true });
  writeFileSync(join(NODE22_DIR, 'package.json'), `${JSON.stringify({ name: 'e2e-node22', private: true, dependencies: { node: '^22.12.0' } }, null, 2)}\n`);
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], NODE22_DIR);
}

/** The newest wrangler 4.x on the registry and the workers-types its peer range asks for. */
function newestWrangler(): { wrangler: string; workersTypes: string } {
  const view = (spec: string) =>
    JSON.parse(execFileSync('npm', ['view', spec, 'version', 'peerDependencies', '--json'], { encoding: 'utf8' })) as { version: string; peerDependencies?: Record<string, string> };
  let newest = view('wrangler@latest');
  if (!newest.version.startsWith('4.')) newest = view('wrangler@^4');
  return { wrangler: newest.version, workersTypes: newest.peerDependencies?.['@cloudflare/workers-types'] ?? TEMPLATE_DEPENDENCIES['@cloudflare/workers-types'] };
}

/** What the template installs for the runtime chosen. */
export function templateDependencies(node: E2eNode): Record<string, string> {
  if (node === '20') return TEMPLATE_DEPENDENCIES;
  const { wrangler, workersTypes } = newestWrangler();
  return { ...TEMPLATE_DEPENDENCIES, wrangler, '@cloudflare/workers-types': workersTypes };
}

function templateKey(node: E2eNode, dependencies: Record<string, string>): string {
  const { nxEdge, edgeRuntime } = tarballs();
  return createHash('sha256')
    .update(HARNESS_VERSION)
    .update(node)
    .update(JSON.stringify(dependencies))
    .update(readFileSync(nxEdge))
    .update(readFileSync(edgeRuntime))
    .digest('hex');
}

function run(cmd: string, args: string[], cwd: string, node: E2eNode = '20'): void {
  const PATH = [...runtimePath(node), process.env.PATH].join(':');
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...HERMETIC_ENV, PATH } });
}

/**
 * A fresh Nx workspace with our tarballs installed and `@aero/nx-edge:init` applied (what
 * `nx add @aero/nx-edge` runs after installing; `nx add` itself installs from the registry, where
 * these packed builds are not). Reused while the tarballs and dependency set are unchanged.
 */
export async function prepareTemplateWorkspace(node: E2eNode = '20'): Promise<string> {
  if (node === '22') ensureNode22();
  const dir = templateDir(node);
  const dependencies = templateDependencies(node);
  const key = templateKey(node, dependencies);
  const stamp = join(dir, '.template-key');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { nxEdge, edgeRuntime } = tarballs();
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify(
      {
        name: 'e2e-workspace',
        private: true,
        devDependencies: { ...dependencies, '@aero/nx-edge': `file:${nxEdge}`, '@aero/edge-runtime': `file:${edgeRuntime}` },
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(join(dir, 'nx.json'), `${JSON.stringify({ $schema: './node_modules/nx/schemas/nx-schema.json', analytics: false }, null, 2)}\n`);
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], dir, node);
  run(join(dir, 'node_modules', '.bin', 'nx'), ['g', '@aero/nx-edge:init', '--no-interactive'], dir, node);
  rmSync(join(dir, '.nx'), { recursive: true, force: true });
  writeFileSync(stamp, key);
  return dir;
}
