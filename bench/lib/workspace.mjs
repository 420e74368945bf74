// Generates a workspace of N Workers with service bindings between them, for the benchmarks.
// Each Worker i binds to i+1 and i+7 (when they exist) and imports a shared lib.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

export function generateWorkspace(dir, { workers = 100, withPlugin = true, handwrittenTargets = false } = {}) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bench', private: true }));
  const nxJson = { analytics: false, pluginsConfig: { '@nx/js': { analyzeSourceFiles: true } }, namedInputs: { default: ['{projectRoot}/**/*'], production: ['default'] } };
  if (withPlugin) nxJson.plugins = ['@aero/nx-edge'];
  writeFileSync(join(dir, 'nx.json'), JSON.stringify(nxJson, null, 2));
  writeFileSync(join(dir, 'tsconfig.base.json'), JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@shared/util': ['libs/util/src/index.ts'] } } }));
  mkdirSync(join(dir, 'libs/util/src'), { recursive: true });
  writeFileSync(join(dir, 'libs/util/src/index.ts'), "export const greet = (n: string) => `hello ${n}`;\nexport const unused = () => 'unused';\n");
  writeFileSync(join(dir, 'libs/util/project.json'), JSON.stringify({ name: 'util', projectType: 'library' }));
  const names = [];
  for (let i = 0; i < workers; i++) {
    const name = `w${i}`;
    names.push(name);
    const root = join(dir, 'apps', name);
    mkdirSync(join(root, 'src'), { recursive: true });
    const services = [i + 1, i + 7].filter((j) => j < workers).map((j) => ({ binding: `W${j}`, service: `w${j}` }));
    writeFileSync(
      join(root, 'wrangler.jsonc'),
      `{\n  // worker ${i}\n  "name": "${name}",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-04-20",\n  "services": ${JSON.stringify(services)}\n}\n`,
    );
    writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src/**/*.ts'] }));
    // Both variants have project.json, so both see 100 projects: the difference is the plugin's work.
    const project = { name, projectType: 'application' };
    if (handwrittenTargets) {
      // The very targets the plugin would infer, written by hand: isolates the cost of inference.
      const { buildTargets } = require(join(REPO_ROOT, 'packages/nx-edge/dist/src/plugins/create-nodes.js'));
      const { normalizePluginOptions } = require(join(REPO_ROOT, 'packages/nx-edge/dist/src/plugins/options.js'));
      project.targets = buildTargets(`apps/${name}/wrangler.jsonc`, { name, services }, normalizePluginOptions({}), nxJson.namedInputs);
      project.implicitDependencies = services.map((s) => s.service);
    }
    writeFileSync(join(root, 'project.json'), JSON.stringify(project));
    writeFileSync(
      join(root, 'src/index.ts'),
      `import { greet } from '@shared/util';\nexport default { async fetch(): Promise<Response> { return new Response(greet('${name}')); } };\n`,
    );
  }
  return names;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const NX_ENV = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_HIDE_BANNER: 'true' };
