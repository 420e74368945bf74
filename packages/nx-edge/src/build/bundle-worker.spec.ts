import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Miniflare } from 'miniflare';
import { bundleWorker, deployableConfig, disposeBundleContexts, rebaseFileFields, type BundleContexts } from './bundle-worker';
import type { WranglerConfig } from '../config/wrangler-config';

describe('bundleWorker', () => {
  let root: string;
  const write = (path: string, text: string | Buffer) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const bundle = (config: WranglerConfig) =>
    bundleWorker({
      workspaceRoot: root,
      projectRoot: join(root, 'apps/api'),
      configFile: join(root, 'apps/api/wrangler.json'),
      config,
      outDir: join(root, 'dist/apps/api'),
    });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-edge-build-'));
    write('tsconfig.base.json', JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@shared/db': ['libs/db/src/index.ts'] } } }));
    write('libs/db/src/index.ts', "export const used = () => 'USED_EXPORT';\nexport const unused = () => 'UNUSED_EXPORT';\n");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('resolves @shared/* and leaves out the lib exports the Worker does not import', async () => {
    write('apps/api/src/index.ts', "import { used } from '@shared/db';\nexport default { fetch: () => new Response(used()) };\n");
    const result = await bundle({ name: 'api', main: 'src/index.ts' });
    const code = readFileSync(result.entry, 'utf8');
    expect(code).toContain('USED_EXPORT');
    expect(code).not.toContain('UNUSED_EXPORT');
    expect(existsSync(join(root, 'dist/apps/api/index.js.map'))).toBe(true);
    expect(JSON.parse(readFileSync(join(root, 'dist/apps/api/metafile.json'), 'utf8')).inputs).toHaveProperty(['libs/db/src/index.ts']);
    expect(result.files[0]).toMatchObject({ file: 'index.js', bytes: expect.any(Number), gzipBytes: expect.any(Number) });
  });

  it('rebuilds incrementally from a kept context (dev reloads): a saved lib change is in the next bundle; other options, a new context', async () => {
    const contexts: BundleContexts = new Map();
    const incremental = (define: Record<string, string> = {}) =>
      bundleWorker({ workspaceRoot: root, projectRoot: join(root, 'apps/api'), configFile: join(root, 'apps/api/wrangler.json'), config: { name: 'api', main: 'src/index.ts' }, outDir: join(root, 'dev/api'), contexts, define });
    write('apps/api/src/index.ts', "import { used } from '@shared/db';\nexport default { fetch: () => new Response(used()) };\n");
    try {
      expect(readFileSync((await incremental()).entry, 'utf8')).toContain('USED_EXPORT');
      const first = contexts.get(join(root, 'dev/api'))!.context;
      write('libs/db/src/index.ts', "export const used = () => 'SAVED_AGAIN';\n");
      const again = await incremental();
      expect(readFileSync(again.entry, 'utf8')).toContain('SAVED_AGAIN');
      expect(again.inputs).toContain(join(root, 'libs/db/src/index.ts'));
      expect(contexts.get(join(root, 'dev/api'))!.context).toBe(first);
      await incremental({ __FLAG__: 'true' });
      expect(contexts.get(join(root, 'dev/api'))!.context).not.toBe(first);
      expect(contexts.size).toBe(1);
    } finally {
      await disposeBundleContexts(contexts);
    }
    expect(contexts.size).toBe(0);
  });

  it('follows wrangler module rules: text inlined, wasm kept as a module workerd compiles', async () => {
    write('apps/api/src/hello.txt', 'hello from a text module');
    // The smallest valid WebAssembly module: magic + version.
    write('apps/api/src/empty.wasm', Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
    write(
      'apps/api/src/index.ts',
      "import text from './hello.txt';\nimport wasm from './empty.wasm';\nexport default { fetch: () => Response.json({ text, wasm: wasm instanceof WebAssembly.Module }) };\n",
    );
    const result = await bundle({ name: 'api', main: 'src/index.ts' });
    expect(result.files.map((f) => f.file)).toEqual(['index.js', expect.stringMatching(/-empty\.wasm$/)]);
    // Prove it runs as wrangler would run it: in workerd with the wasm as a CompiledWasm module.
    const mf = new Miniflare({
      modules: true,
      cf: false,
      scriptPath: result.entry,
      modulesRoot: dirname(result.entry),
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: '2026-04-20',
    });
    try {
      const response = await mf.dispatchFetch('http://localhost/');
      expect(await response.json()).toEqual({ text: 'hello from a text module', wasm: true });
    } finally {
      await mf.dispose();
    }
  }, 30_000);

  it('externalises Node built-ins as node: imports with nodejs_compat', async () => {
    write('apps/api/src/index.ts', "import { Buffer } from 'buffer';\nexport default { fetch: () => new Response(Buffer.from('x').toString('hex')) };\n");
    const result = await bundle({ name: 'api', main: 'src/index.ts', compatibility_flags: ['nodejs_compat'] });
    expect(readFileSync(result.entry, 'utf8')).toMatch(/from "node:buffer"/);
  });

  it('explains nodejs_compat when a Node built-in is imported without it', async () => {
    write('apps/api/src/index.ts', "import { readFileSync } from 'node:fs';\nexport default { fetch: () => new Response(String(readFileSync)) };\n");
    await expect(bundle({ name: 'api', main: 'src/index.ts' })).rejects.toThrow(/Add "nodejs_compat" to compatibility_flags in apps\/api\/wrangler\.json/);
  });

  it('names the config key when main is missing or wrong', async () => {
    await expect(bundle({ name: 'api' })).rejects.toThrow(/"main" is missing/);
    await expect(bundle({ name: 'api', main: 'src/nope.ts' })).rejects.toThrow(/"main" points at src\/nope\.ts, which does not exist/);
  });
});

describe('deployableConfig', () => {
  it('points main at the bundle, turns off bundling and keeps env sections and migrations', () => {
    const config = deployableConfig(
      {
        name: 'api',
        main: 'src/index.ts',
        d1_databases: [{ binding: 'DB', database_id: 'x', migrations_dir: 'migrations' }],
        env: { staging: { d1_databases: [{ binding: 'DB', database_id: 'y' }], vars: { A: '1' } } },
      },
      '/ws/apps/api',
      '/ws/dist/apps/api',
      false,
    );
    expect(config).toMatchObject({ name: 'api', main: 'index.js', no_bundle: true });
    expect(config.d1_databases![0].migrations_dir).toBe('../../../apps/api/migrations');
    expect(config.env!.staging).toMatchObject({ vars: { A: '1' } });
    expect(config.env!.staging.d1_databases![0].migrations_dir).toBe('../../../apps/api/migrations');
  });

  it('gives wrangler nothing to warn about: rules fall through, $schema still resolves from dist/, an empty vars is repeated per env', () => {
    const config = deployableConfig(
      { $schema: '../../node_modules/wrangler/config-schema.json', name: 'api', main: 'src/index.ts', vars: {}, env: { staging: {}, qa: { vars: { A: '1' } } } },
      '/ws/apps/api',
      '/ws/dist/apps/api',
      false,
    );
    expect(config.rules!.every((r) => r.fallthrough === true)).toBe(true);
    expect((config as { $schema?: string }).$schema).toBe('../../../node_modules/wrangler/config-schema.json');
    expect(config.env!.staging.vars).toEqual({});
    expect(config.env!.qa.vars).toEqual({ A: '1' });
    // A top level with vars is not copied into an env (that would change what the env gets).
    const withVars = deployableConfig({ name: 'api', main: 'src/index.ts', vars: { LOG: 'debug' }, env: { staging: {} } }, '/ws/apps/api', '/ws/dist/apps/api', false);
    expect(withVars.env!.staging.vars).toBeUndefined();
  });
});

describe('deployableConfig rebases every path-valued field of wrangler\'s config schema', () => {
  const source = '/ws/apps/api';
  const out = '/ws/dist/apps/api';
  const files = new Set(['Dockerfile', 'containers/worker.Dockerfile']);
  const rebased = (config: Record<string, unknown>) => {
    const section = { ...config };
    rebaseFileFields(section, (p) => relative(out, resolve(source, p)), (p) => files.has(p.replace(/^\.\//, '')));
    return section;
  };
  it.each([
    ['site.bucket', { site: { bucket: './public' } }, { site: { bucket: '../../../apps/api/public' } }],
    ['containers[].image (a Dockerfile)', { containers: [{ class_name: 'C', image: './Dockerfile' }] }, { containers: [{ class_name: 'C', image: '../../../apps/api/Dockerfile' }] }],
    ['containers[].image (a registry image, kept)', { containers: [{ class_name: 'C', image: 'registry.cloudflare.com/acme/app:1' }] }, { containers: [{ class_name: 'C', image: 'registry.cloudflare.com/acme/app:1' }] }],
    ['containers[].image_build_context', { containers: [{ class_name: 'C', image: 'containers/worker.Dockerfile', image_build_context: '.' }] }, { containers: [{ class_name: 'C', image: '../../../apps/api/containers/worker.Dockerfile', image_build_context: '../../../apps/api' }] }],
    ['build.cwd and build.watch_dir', { build: { command: 'make', cwd: 'tools', watch_dir: ['src', 'lib'] } }, { build: { command: 'make', cwd: '../../../apps/api/tools', watch_dir: ['../../../apps/api/src', '../../../apps/api/lib'] } }],
    ['wasm_modules, text_blobs, data_blobs', { wasm_modules: { M: 'a.wasm' }, text_blobs: { T: 't.txt' }, data_blobs: { D: 'd.bin' } }, { wasm_modules: { M: '../../../apps/api/a.wasm' }, text_blobs: { T: '../../../apps/api/t.txt' }, data_blobs: { D: '../../../apps/api/d.bin' } }],
    ['pages_build_output_dir', { pages_build_output_dir: './out' }, { pages_build_output_dir: '../../../apps/api/out' }],
  ])('%s', (_field, config, expected) => {
    expect(rebased(config)).toEqual(expected);
  });

  it('in the deployable config too, top level and envs (a Dockerfile that exists next to the config)', () => {
    const root = mkdtempSync(join(tmpdir(), 'nx-edge-rebase-'));
    try {
      mkdirSync(join(root, 'apps/api'), { recursive: true });
      writeFileSync(join(root, 'apps/api/Dockerfile'), 'FROM scratch\n');
      const container = { class_name: 'C', image: './Dockerfile' };
      const config = deployableConfig({ name: 'api', main: 'src/index.ts', containers: [container], env: { staging: { containers: [container] } } }, join(root, 'apps/api'), join(root, 'dist/apps/api'), false) as { containers: { image: string }[]; env: { staging: { containers: { image: string }[] } } };
      expect(config.containers[0].image).toBe('../../../apps/api/Dockerfile');
      expect(config.env.staging.containers[0].image).toBe('../../../apps/api/Dockerfile');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
