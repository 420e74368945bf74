import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import buildExecutor, { normalizeBuildOptions } from './build.impl';

describe('build executor', () => {
  let root: string;
  let output: string[];
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const context = (): ExecutorContext =>
    ({
      root,
      cwd: root,
      isVerbose: false,
      projectName: 'api',
      projectsConfigurations: { version: 2, projects: { api: { root: 'apps/api' } } },
      nxJsonConfiguration: {},
      projectGraph: { nodes: {}, dependencies: {} },
    });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-edge-build-exec-'));
    write('apps/api/wrangler.jsonc', '{ "name": "api", "main": "src/index.ts" }');
    write('apps/api/src/index.ts', "export default { fetch: () => new Response('" + 'x'.repeat(200) + "') };\n");
    output = [];
    vi.spyOn(console, 'log').mockImplementation((...args) => void output.push(args.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...args) => void output.push(args.join(' ')));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    vi.restoreAllMocks();
  });

  it('normalizes options: dist/<root>, the paid-plan budget, parsed sizes', () => {
    const opts = normalizeBuildOptions({}, context());
    expect(opts.outDir).toBe(join(root, 'dist/apps/api'));
    expect(opts.sizeBudgetBytes).toBe(10 * 1024 * 1024);
    expect(normalizeBuildOptions({ sizeBudget: '3MiB' }, context()).sizeBudgetBytes).toBe(3 * 1024 * 1024);
    expect(() => normalizeBuildOptions({ sizeBudget: 'lots' }, context())).toThrow(/sizeBudget of api:build: "lots" is not a size/);
  });

  it('writes the bundle and a wrangler.json that deploys it, and prints the size table', async () => {
    expect(await buildExecutor({}, context())).toEqual({ success: true });
    expect(JSON.parse(readFileSync(join(root, 'dist/apps/api/wrangler.json'), 'utf8'))).toMatchObject({ main: 'index.js', no_bundle: true });
    expect(output.join('\n')).toMatch(/api → dist\/apps\/api\n\s+file\s+raw\s+gzip\n\s+index\.js\s+\d+ B\s+\d+ B/);
  });

  it('fails over budget, naming the Worker and both sizes', async () => {
    expect(await buildExecutor({ sizeBudget: 50 }, context())).toEqual({ success: false });
    expect(output.join('\n')).toMatch(/api is \d+ B gzipped, over its size budget of 50 B/);
  });

  it('fails cleanly, without a stack, when the project has no wrangler config', async () => {
    rmSync(join(root, 'apps/api/wrangler.jsonc'));
    expect(await buildExecutor({}, context())).toEqual({ success: false });
    expect(output.join('\n')).toMatch(/apps\/api has no wrangler\.jsonc/);
    expect(output.join('\n')).not.toMatch(/\n\s+at /);
  });
});

describe('build executor, batch mode (nx run-many -t build --batch)', () => {
  it('builds every task of the run in one process and reports each one', async () => {
    const { buildBatch } = await import('./build.impl');
    const root = mkdtempSync(join(tmpdir(), 'nx-edge-batch-'));
    try {
      for (const name of ['a', 'b']) {
        mkdirSync(join(root, `apps/${name}/src`), { recursive: true });
        writeFileSync(join(root, `apps/${name}/wrangler.json`), JSON.stringify({ name, main: 'src/index.ts' }));
        writeFileSync(join(root, `apps/${name}/src/index.ts`), `export default { fetch: () => new Response('${name}') };\n`);
      }
      const task = (project: string) => ({ id: `${project}:build`, target: { project, target: 'build' }, overrides: {}, outputs: [], parallelism: true });
      const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const results = await buildBatch(
        { tasks: { 'a:build': task('a'), 'b:build': task('b') }, dependencies: {}, continuousDependencies: {}, roots: [] } as never,
        { 'a:build': {}, 'b:build': { sizeBudget: 10 } },
        {},
        { root, projectsConfigurations: { version: 2, projects: { a: { root: 'apps/a' }, b: { root: 'apps/b' } } } } as unknown as ExecutorContext,
      );
      expect(results['a:build']).toMatchObject({ success: true, terminalOutput: expect.stringMatching(/a → dist\/apps\/a/) });
      expect(results['b:build']).toMatchObject({ success: false, terminalOutput: expect.stringMatching(/b is \d+ B gzipped, over its size budget of 10 B/) });
      expect(existsSync(join(root, 'dist/apps/a/index.js'))).toBe(true);
      // Nx does not print a batch task's output: each task prints its own block, as without --batch.
      expect(out.mock.calls.map(([t]) => String(t)).join('')).toMatch(/> nx run a:build\n\na → dist\/apps\/a/);
      expect(err.mock.calls.map(([t]) => String(t)).join('')).toMatch(/> nx run b:build\n\n[\s\S]*over its size budget of 10 B/);
      out.mockRestore();
      err.mockRestore();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
