import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const E2E_TMP = join(REPO_ROOT, 'tmp', 'e2e');
export const TEMPLATE_DIR = join(E2E_TMP, 'template');
const TARBALLS = join(REPO_ROOT, 'dist', 'tarballs');
const HARNESS_VERSION = '1';

/** Versions the template installs: the set nx-edge supports on Node 20. */
export const TEMPLATE_DEPENDENCIES = {
  nx: '24.0.6',
  '@nx/devkit': '24.0.0',
  typescript: '5.9.3',
  vitest: '4.1.12',
  '@vitest/coverage-v8': '4.1.12',
  wrangler: '4.86.0',
  miniflare: '4.20260426.0',
  '@cloudflare/workers-types': '4.20260702.1',
  // What the function generator's framework templates import.
  hono: '4.13.19',
  express: '5.3.0',
  '@nestjs/common': '11.2.10',
  '@nestjs/core': '11.2.10',
  '@nestjs/platform-express': '11.2.10',
  'reflect-metadata': '0.2.2',
  rxjs: '7.8.2',
  // A real Postgres driver, for the embedded-Postgres (Hyperdrive) tests.
  pg: '8.23.1',
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

function templateKey(): string {
  const { nxEdge, edgeRuntime } = tarballs();
  return createHash('sha256')
    .update(HARNESS_VERSION)
    .update(JSON.stringify(TEMPLATE_DEPENDENCIES))
    .update(readFileSync(nxEdge))
    .update(readFileSync(edgeRuntime))
    .digest('hex');
}

function run(cmd: string, args: string[], cwd: string): void {
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...HERMETIC_ENV } as NodeJS.ProcessEnv });
}

/**
 * A fresh Nx workspace with our tarballs installed and `@aero/nx-edge:init` applied (what
 * `nx add @aero/nx-edge` runs after installing; `nx add` itself installs from the registry, where
 * these packed builds are not). Reused while the tarballs and dependency set are unchanged.
 */
export async function prepareTemplateWorkspace(): Promise<string> {
  const key = templateKey();
  const stamp = join(TEMPLATE_DIR, '.template-key');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return TEMPLATE_DIR;
  rmSync(TEMPLATE_DIR, { recursive: true, force: true });
  mkdirSync(TEMPLATE_DIR, { recursive: true });
  const { nxEdge, edgeRuntime } = tarballs();
  writeFileSync(
    join(TEMPLATE_DIR, 'package.json'),
    `${JSON.stringify(
      {
        name: 'e2e-workspace',
        private: true,
        devDependencies: { ...TEMPLATE_DEPENDENCIES, '@aero/nx-edge': `file:${nxEdge}`, '@aero/edge-runtime': `file:${edgeRuntime}` },
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(join(TEMPLATE_DIR, 'nx.json'), `${JSON.stringify({ $schema: './node_modules/nx/schemas/nx-schema.json', analytics: false }, null, 2)}\n`);
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], TEMPLATE_DIR);
  run(join(TEMPLATE_DIR, 'node_modules', '.bin', 'nx'), ['g', '@aero/nx-edge:init', '--no-interactive'], TEMPLATE_DIR);
  rmSync(join(TEMPLATE_DIR, '.nx'), { recursive: true, force: true });
  writeFileSync(stamp, key);
  return TEMPLATE_DIR;
}
