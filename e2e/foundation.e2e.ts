import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createE2eWorkspace, type E2eWorkspace } from './support/workspace';

// One workspace, built up step by step the way a user would.
describe('foundation: generators, inferred targets, service graph, build', () => {
  let ws: E2eWorkspace;

  beforeAll(async () => {
    ws = await createE2eWorkspace('foundation');
  });
  afterAll(async () => {
    await ws?.dispose();
  });

  it('init registered the plugin and the .gitignore entries', () => {
    const nxJson = ws.readJson('nx.json');
    expect(nxJson.plugins).toContain('@aero/nx-edge');
    const gitignore = ws.read('.gitignore');
    for (const line of ['.dev.vars*', '!.dev.vars.example', '.wrangler/', '.nx-edge/']) expect(gitignore).toContain(line);
  });

  it('generates two functions, a lib and a service binding', async () => {
    await ws.nxOk(['g', '@aero/nx-edge:function', 'api', '--no-interactive']);
    await ws.nxOk(['g', '@aero/nx-edge:function', 'users', '--no-interactive']);
    await ws.nxOk(['g', '@aero/nx-edge:lib', 'db', '--no-interactive']);
    await ws.nxOk(['g', '@aero/nx-edge:binding', '--project=api', '--type=service', '--binding=USERS', '--service=users', '--no-interactive']);
    const config = ws.read('apps/api/wrangler.jsonc');
    expect(config).toMatch(/"binding": "USERS",\s*"service": "users"/);
    expect(config).toContain('// api: a Cloudflare Worker'); // comments survive the edit
    expect(ws.readJson('tsconfig.base.json').compilerOptions.paths['@shared/db']).toEqual(['libs/db/src/index.ts']);
  });

  it('a second binding with the same name is refused and nothing is written', async () => {
    const before = ws.read('apps/api/wrangler.jsonc');
    const result = await ws.nx(['g', '@aero/nx-edge:binding', '--project=api', '--type=kv', '--binding=USERS', '--no-interactive']);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('already has a binding named USERS');
    expect(ws.read('apps/api/wrangler.jsonc')).toBe(before);
  });

  it('lists the projects and infers the Worker targets', async () => {
    ws.write(
      'libs/db/src/index.ts',
      `export function dbInfo(): string { return 'db'; }\nexport function dbName(): string { return 'db-used-by-api'; }\nexport function unusedHelper(): string { return 'THIS_STRING_IS_TREE_SHAKEN_AWAY'; }\n`,
    );
    ws.write(
      'apps/api/src/index.ts',
      [
        "import { withEdge } from '@aero/edge-runtime';",
        "import { dbName } from '@shared/db';",
        '',
        'export default withEdge(',
        '  {',
        '    async fetch(): Promise<Response> {',
        "      return Response.json({ service: 'api', message: 'Hello from api' }, { headers: { 'x-db': dbName() } });",
        '    },',
        '  },',
        "  { service: 'api' },",
        ');',
        '',
      ].join('\n'),
    );
    const projects = (await ws.nxOk(['show', 'projects'])).stdout.split('\n').map((l) => l.trim());
    expect(projects).toEqual(expect.arrayContaining(['api', 'users', 'db']));
    const api = JSON.parse((await ws.nxOk(['show', 'project', 'api', '--json'])).stdout);
    expect(Object.keys(api.targets)).toEqual(expect.arrayContaining(['build', 'dev', 'test', 'deploy', 'secrets']));
    expect(api.targets.build.metadata.description).toMatch(/Bundle/);
    expect(api.targets.dev.continuous).toBe(true);
    // What Nx Console shows in the Project Details View.
    expect(api.metadata.technologies).toContain('cloudflare');
    expect(api.metadata.targetGroups['Cloudflare Worker']).toEqual(expect.arrayContaining(['types', 'build', 'dev', 'test', 'deploy', 'provision', 'secrets']));
    expect(api.targets.deploy.metadata.help).toEqual({ command: 'npx wrangler deploy --help', example: { options: { dryRun: true } } });
  });

  it('nx graph draws api→users (service binding) and api→db (import)', async () => {
    await ws.nxOk(['graph', '--file=graph.json']);
    const graph = ws.readJson('graph.json').graph;
    const targets = graph.dependencies.api.map((d: { target: string }) => d.target);
    expect(targets).toEqual(expect.arrayContaining(['users', 'db']));
  });

  it('run-many build writes tree-shaken bundles and a deployable config', async () => {
    const result = await ws.nxOk(['run-many', '-t', 'build', '--output-style=static']);
    expect(result.stdout).toMatch(/index\.js\s+[\d.]+ (B|KiB)\s+[\d.]+ (B|KiB)/);
    const bundle = ws.read('dist/apps/api/index.js');
    expect(bundle).toContain('db-used-by-api');
    expect(bundle).not.toContain('THIS_STRING_IS_TREE_SHAKEN_AWAY');
    expect(ws.readJson('dist/apps/api/wrangler.json')).toMatchObject({ name: 'api', main: 'index.js', no_bundle: true });
    expect(ws.exists('dist/apps/users/index.js')).toBe(true);
  });

  it('the bundle deploys as is: wrangler accepts it with --dry-run', async () => {
    const out = join(ws.root, '.e2e-home', 'dry-run');
    const result = await ws.run('wrangler', ['deploy', '--dry-run', '--outdir', out, '-c', 'dist/apps/api/wrangler.json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('env.USERS (users)');
    expect(readdirSync(out)).toContain('index.js');
  });

  it("a generated Worker's bundle serves in workerd: JSON, its trace id, /health", async () => {
    // Served by the workspace's own Node and its wrangler's Miniflare (4, or 5 through its converter
    // of Miniflare 4 options), as the bundle will run for the user.
    ws.write(
      '.e2e-home/serve-bundle.cjs',
      `const { dirname, join } = require('node:path');
const root = process.cwd();
const wrangler = dirname(require.resolve('wrangler/package.json', { paths: [root] }));
const { Miniflare, convertV4MiniflareOptions } = require(require.resolve('miniflare', { paths: [wrangler] }));
const options = {
  modules: [{ type: 'ESModule', path: join(root, 'dist/apps/users/index.js') }],
  modulesRoot: join(root, 'dist/apps/users'),
  cf: false,
  compatibilityDate: require(join(root, 'dist/apps/users/wrangler.json')).compatibility_date,
  compatibilityFlags: ['nodejs_compat'],
};
(async () => {
  const mf = new Miniflare(convertV4MiniflareOptions ? convertV4MiniflareOptions(options) : options);
  try {
    const response = await mf.dispatchFetch('http://users.localhost/', { headers: { traceparent: '00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01' } });
    const body = await response.json();
    const health = (await mf.dispatchFetch('http://users.localhost/health')).status;
    console.log(JSON.stringify({ body, traceId: response.headers.get('x-trace-id'), health }));
  } finally {
    await mf.dispose();
  }
})();
`,
    );
    const result = await ws.run('node', ['.e2e-home/serve-bundle.cjs']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim().split('\n').pop()!)).toEqual({ body: { service: 'users', message: 'Hello from users' }, traceId: 'ab'.repeat(16), health: 200 });
  });

  it('run-many build --batch bundles every Worker in one process', async () => {
    ws.write('dist/apps/users/index.js', '');
    const result = await ws.nxOk(['run-many', '-t', 'build', '--batch', '--skip-nx-cache', '--output-style=static']);
    expect(result.stdout).toMatch(/Running 2 tasks with @aero\/nx-edge:build/);
    expect(ws.read('dist/apps/users/index.js')).toContain('Hello from users');
  });

  it("the generated functions' tests pass", async () => {
    const result = await ws.nx(['run-many', '-t', 'test', '--output-style=static']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    // api and users: 2 tests each; db: 1.
    expect(result.stdout.match(/Tests\s+2 passed/g)).toHaveLength(2);
    expect(result.stdout).toMatch(/Tests\s+1 passed/);
  });

  it('a build over the size budget fails naming the Worker and both sizes', async () => {
    const result = await ws.nx(['run', 'users:build', '--sizeBudget=100', '--skip-nx-cache', '--output-style=static']);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/users is [\d.]+ (B|KiB) gzipped, over its size budget of 100 B/);
  });
});

describe('adopting a repository that already has wrangler configs', () => {
  let ws: E2eWorkspace;
  const toml = `# legacy worker\nname = "legacy"\nmain = "src/index.ts"\ncompatibility_date = "2025-01-01"\n\n[[services]]\nbinding = "EDGE"\nservice = "edge"\n`;
  const jsonc = `{\n  // the edge worker, hand written\n  "name": "edge",\n  "main": "src/index.ts",\n  "compatibility_date": "2025-01-01", // pinned\n}\n`;

  beforeAll(async () => {
    ws = await createE2eWorkspace('adopt');
    // Start from a repo without the plugin: undo what the template's init did.
    const nxJson = ws.readJson('nx.json');
    delete nxJson.plugins;
    ws.write('nx.json', JSON.stringify(nxJson, null, 2));
    ws.write('workers/legacy/wrangler.toml', toml);
    ws.write('workers/legacy/src/index.ts', 'export default { fetch: () => new Response("legacy") };\n');
    ws.write('workers/edge/wrangler.jsonc', jsonc);
    ws.write('workers/edge/src/index.ts', 'export default { fetch: () => new Response("edge") };\n');
  });
  afterAll(async () => {
    await ws?.dispose();
  });

  it('init changes nothing in the existing configs and both become projects', async () => {
    await ws.nxOk(['g', '@aero/nx-edge:init', '--no-interactive']);
    expect(readFileSync(join(ws.root, 'workers/legacy/wrangler.toml'), 'utf8')).toBe(toml);
    expect(readFileSync(join(ws.root, 'workers/edge/wrangler.jsonc'), 'utf8')).toBe(jsonc);
    const projects = (await ws.nxOk(['show', 'projects'])).stdout;
    expect(projects).toContain('legacy');
    expect(projects).toContain('edge');
    await ws.nxOk(['graph', '--file=graph.json']);
    expect(ws.readJson('graph.json').graph.dependencies.legacy.map((d: { target: string }) => d.target)).toContain('edge');
  });

  it('a broken config stays a project whose build fails naming file and line; one summary line; the rest still works', async () => {
    ws.write('workers/broken/wrangler.toml', 'name = "broken"\nmain = \n');
    const result = await ws.nxOk(['show', 'projects']);
    expect(result.stdout + result.stderr).toContain('[nx-edge] 1 wrangler config failed to parse (their targets fail until fixed) — details: npx nx-edge validate');
    expect(result.stdout).toContain('legacy');
    expect(result.stdout).toMatch(/^broken$/m);
    const build = await ws.nx(['run', 'broken:build']);
    expect(build.code).not.toBe(0);
    expect(build.stdout + build.stderr).toMatch(/workers\/broken\/wrangler\.toml:2: invalid TOML/);
  });
});
