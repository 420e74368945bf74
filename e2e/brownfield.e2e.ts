// Adopting a monorepo of Workers that grew without Nx: a pnpm workspace of ~80 Workers (see
// support/brownfield-fixture.mjs) takes our packed tarballs with pnpm, runs init, and then every Nx
// command has to work: projects, graph, build (and --batch), dev with cycles and scoped names,
// affected deploy in condensation order.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer as createHttpServer } from 'node:http';
import { freePort, get } from './support/http';
import { writeBrownfieldFixture } from './support/brownfield-fixture.mjs';
import { fakeApiEnv, startFakeCloudflareApi } from '../test-support/fake-cloudflare/fake-cloudflare-api';
import { E2E_TMP, HERMETIC_ENV, TEMPLATE_DEPENDENCIES, tarballs } from './support/template';

const PNPM = 'pnpm@9.15.9';

interface Fixture {
  validProjects: string[];
  brokenProjects: string[];
  broken: { project: string; file: string; line: number }[];
  edges: string[];
  configFiles: string[];
  cycles: string[][];
  packages: string[];
}



describe('brownfield: an existing pnpm monorepo of Workers', () => {
  // Outside the repo: with no nx.json of its own, Nx would otherwise take the nearest one above (ours) as the workspace.
  const root = join(tmpdir(), `nx-edge-brownfield-${randomBytes(4).toString('hex')}`);
  const tools = join(E2E_TMP, 'pnpm-tool');
  let fixture: Fixture;
  let env: NodeJS.ProcessEnv;
  const hashes = new Map<string, string>();
  const sha = (file: string) => createHash('sha256').update(readFileSync(join(root, file))).digest('hex');

  const run = (cmd: string, args: string[], extra: Record<string, string> = {}, timeoutMs = 600_000, cwd = root): Promise<{ code: number; out: string; stdout: string }> =>
    new Promise((resolve) => {
      const child = spawn(cmd, args, { cwd, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let stdout = '';
      child.stdout.on('data', (d) => {
        out += d;
        stdout += d;
      });
      child.stderr.on('data', (d) => (out += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 1, out, stdout });
      });
    });
  const nx = (args: string[], extra: Record<string, string> = {}) => run(join(root, 'node_modules', '.bin', 'nx'), args, extra);

  beforeAll(async () => {
    const { nxEdge, edgeRuntime } = tarballs();
    const { nx: nxVersion, '@nx/devkit': devkit, typescript, vitest, wrangler, '@cloudflare/workers-types': types } = TEMPLATE_DEPENDENCIES;
    fixture = writeBrownfieldFixture(root, {
      devDependencies: {
        nx: nxVersion,
        '@nx/devkit': devkit,
        typescript,
        vitest,
        wrangler,
        '@cloudflare/workers-types': types,
        // pooled's own test set-up: Cloudflare's Vitest integration (the version that runs with this vitest and wrangler).
        '@cloudflare/vitest-pool-workers': '0.15.1',
        '@aero/nx-edge': `file:${nxEdge}`,
        '@aero/edge-runtime': `file:${edgeRuntime}`,
      },
    });
    // No nx.json: the repo grew without Nx (init must create it, or change nothing).
    for (const file of fixture.configFiles) hashes.set(file, sha(file));
    // pnpm from the npm registry, on PATH (Nx runs the workspace's package manager by name).
    if (!existsSync(join(tools, 'node_modules', '.bin', 'pnpm'))) {
      mkdirSync(tools, { recursive: true });
      execFileSync('npm', ['install', '--prefix', tools, '--no-audit', '--no-fund', '--loglevel=error', PNPM], { stdio: 'ignore' });
    }
    env = {
      ...process.env,
      ...HERMETIC_ENV,
      PATH: `${join(tools, 'node_modules', '.bin')}:${join(root, 'node_modules', '.bin')}:${process.env.PATH}`,
      npm_config_store_dir: join(E2E_TMP, 'pnpm-store'),
      XDG_CONFIG_HOME: join(root, '.e2e-home'),
      TMPDIR: join(root, '.e2e-home', 'tmp'),
    };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    mkdirSync(join(root, '.e2e-home', 'tmp'), { recursive: true });
    const install = await run('pnpm', ['install', '--no-frozen-lockfile', '--reporter=append-only']);
    if (install.code !== 0) throw new Error(`pnpm install failed:\n${install.out}`);
    // The test's own HOME/TMPDIR is no part of the repo.
    writeFileSync(join(root, '.gitignore'), `${readFileSync(join(root, '.gitignore'), 'utf8')}.e2e-home/\n`);
    // The team's own wrangler types output for typed: runtime types included, its interface name.
    const teamTypes = await run(join(root, 'node_modules', '.bin', 'wrangler'), ['types', '--env-interface', 'CloudflareBindings', '-c', fixture.configFiles.find((f) => f.startsWith('workers/typed/'))!, 'workers/typed/worker-configuration.d.ts'], { WRANGLER_SEND_METRICS: 'false' });
    if (teamTypes.code !== 0) throw new Error(`wrangler types failed:\n${teamTypes.out}`);
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: root });
    execFileSync('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'add', '-A'], { cwd: root });
    execFileSync('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'commit', '-q', '-m', 'workers'], { cwd: root });
  }, 900_000);

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('init --dry-run prints every change init makes; init creates nx.json, hands over only scripts the targets equal, leaves every wrangler config byte for byte; a second init changes nothing', async () => {
    expect(existsSync(join(root, 'nx.json'))).toBe(false);
    const dry = await nx(['g', '@aero/nx-edge:init', '--no-interactive', '--dry-run']);
    expect(dry.code, dry.out).toBe(0);
    const announced = [...dry.out.matchAll(/^(?:CREATE|UPDATE) (\S+)/gm)].map((m) => m[1]).sort();
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' })).toBe(''); // a dry run writes nothing
    const init = await nx(['g', '@aero/nx-edge:init', '--no-interactive']);
    expect(init.code, init.out).toBe(0);
    // What changed is exactly what the dry run printed, and each script decision was printed the same.
    const changed = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean).map((l) => l.slice(3)).sort();
    expect(changed).toEqual(announced);
    for (const line of init.out.split('\n').filter((l) => l.startsWith('nx-edge: '))) expect(dry.out).toContain(line);
    expect(init.out).toContain('nx-edge: nx.json created (the repo had none): registers the @aero/nx-edge plugin');
    // shop: its deploy pipeline stays the target; its flagged dev is handed over with the flag as an option.
    const shop = JSON.parse(readFileSync(join(root, 'workers/shop/package.json'), 'utf8'));
    expect(shop.scripts).toEqual({ deploy: 'node scripts/build-assets.mjs && wrangler deploy --minify', dev: 'nx run @acme/shop:dev', test: 'nx run @acme/shop:test' });
    // The kept pipeline minifies: so does the inferred build.
    expect(shop.nx.targets).toEqual({ dev: { options: { port: 3000 } }, build: { options: { minify: true } } });
    expect(init.out).toContain('nx-edge: workers/shop/package.json: "deploy": "node scripts/build-assets.mjs && wrangler deploy --minify" kept as the deploy target: it is a compound command');
    // Never a template folder's scripts.
    expect(readFileSync(join(root, 'templates/worker/package.json'), 'utf8')).not.toContain('nx run');
    expect(init.out).toContain('nx-edge: workers/w00/package.json: "dev": "wrangler dev" → "nx run @acme/w00:dev"');
    const pkg = JSON.parse(readFileSync(join(root, 'workers/w00/package.json'), 'utf8'));
    expect(pkg.scripts).toEqual({ dev: 'nx run @acme/w00:dev', deploy: 'nx run @acme/w00:deploy', test: 'nx run @acme/w00:test', lint: 'echo lint ok' });
    expect(pkg.nx.includedScripts).toEqual(['lint']);
    for (const [file, hash] of hashes) expect(sha(file), file).toBe(hash);
    expect(JSON.parse(readFileSync(join(root, 'nx.json'), 'utf8')).plugins).toContain('@aero/nx-edge');
    execFileSync('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'add', '-A'], { cwd: root });
    execFileSync('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'commit', '-qm', 'nx-edge init'], { cwd: root });
    const again = await nx(['g', '@aero/nx-edge:init', '--no-interactive']);
    expect(again.code, again.out).toBe(0);
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' })).toBe('');
  }, 300_000);

  it('nx show projects lists every Worker once (no template, no duplicate name), with one summary line', async () => {
    const shown = await nx(['show', 'projects', '--json']);
    expect(shown.code, shown.out).toBe(0);
    const projects: string[] = JSON.parse(shown.stdout);
    expect([...projects].sort()).toEqual([...fixture.validProjects, ...fixture.brokenProjects, ...fixture.packages].sort());
    expect(projects.some((p) => p.includes('{{'))).toBe(false);
    const notes = shown.out.split('\n').filter((l) => l.startsWith('[nx-edge]'));
    // shop's deploy pipeline is counted as what it is (init kept it), never as something init would hand over.
    expect(notes).toEqual([
      "[nx-edge] 3 wrangler configs failed to parse (their targets fail until fixed), 1 template folder skipped, 1 package.json script stays the team's target (doing more than the inferred one) — details: npx nx-edge validate",
    ]);
    // An inferred target, not the script: the configuration reaches the executor.
    const gateway = JSON.parse((await nx(['show', 'project', '@acme/w00', '--json'])).stdout);
    expect(gateway.targets.dev.executor).toBe('nx:run-commands');
    expect(gateway.targets.dev.options.command).toBe('exec node node_modules/@aero/nx-edge/dist/src/cli/nx-edge.js dev');
    expect(gateway.targets.lint.executor).toBe('nx:run-script');
  }, 300_000);

  it('the project graph has every service edge and no spurious one', async () => {
    const file = join(root, 'graph.json');
    const result = await nx(['graph', `--file=${file}`]);
    expect(result.code, result.out).toBe(0);
    const graph = JSON.parse(readFileSync(file, 'utf8')).graph as { dependencies: Record<string, { source: string; target: string }[]> };
    const workers = new Set([...fixture.validProjects, ...fixture.brokenProjects]);
    const edges = Object.values(graph.dependencies)
      .flat()
      .filter((d) => workers.has(d.source) && workers.has(d.target))
      .map((d) => `${d.source} -> ${d.target}`);
    expect([...new Set(edges)].sort()).toEqual(fixture.edges);
  }, 300_000);

  it('nx run-many -t build builds every valid Worker and fails only the broken ones, each with its file:line; --batch says the same', async () => {
    for (const batch of [false, true]) {
      rmSync(join(root, 'dist'), { recursive: true, force: true });
      const build = await nx(['run-many', '-t', 'build', '--skip-nx-cache', '--output-style=static', '--parallel=4', ...(batch ? ['--batch'] : [])]);
      expect(build.code).not.toBe(0);
      for (const b of fixture.broken) expect(build.out, `${b.file} (batch ${batch})`).toContain(`${b.file}:${b.line}: invalid`);
      const failed = build.out.slice(build.out.lastIndexOf('Failed tasks:')).match(/- (\S+):build/g)!.map((l) => l.slice(2, -':build'.length)).sort();
      expect(failed).toEqual(fixture.brokenProjects);
      const built = fixture.validProjects.filter((p) => {
        const dir = p.startsWith('@acme/') ? `workers/${p.slice('@acme/'.length)}` : p === 'legacy-auth' ? 'legacy/auth' : 'tools/auth';
        return existsSync(join(root, 'dist', dir, 'wrangler.json'));
      });
      expect(built.length, `batch ${batch}`).toBe(fixture.validProjects.length);
      if (batch) expect(build.out).toMatch(/> nx run @acme\/w00:build\n\nw00 → dist\/workers\/w00/);
    }
    // Static assets travel with the build output.
    expect(readdirSync(join(root, 'dist/workers/site/assets')).sort()).toEqual(['app.css', 'index.html']);
  }, 900_000);

  it('the adoption shapes: the team\'s deploy pipeline runs, dev never starts a lib watcher, a built package is built first, tests/ specs run, 0 specs ran fails, cycles drawn with real edges', async () => {
    const shop = JSON.parse((await nx(['show', 'project', '@acme/shop', '--json'])).stdout);
    expect(shop.targets.deploy.executor).toBe('nx:run-script'); // the team's pipeline: its asset step runs before wrangler
    expect(shop.targets.dev.options.port).toBe(3000);
    expect(shop.targets.dev.dependsOn).toEqual([]); // @acme/ui's `tsup --watch` is not a service
    expect(shop.targets.build.dependsOn).toEqual(expect.arrayContaining([{ projects: ['@acme/db'], target: 'build' }]));
    // A fresh clone: no dist of @acme/db anywhere, and shop still builds (db first).
    rmSync(join(root, 'packages/db/dist'), { recursive: true, force: true });
    const build = await nx(['run', '@acme/shop:build', '--skip-nx-cache', '--output-style=static']);
    expect(build.code, build.out).toBe(0);
    expect(build.out).toMatch(/nx run @acme\/db:build[\s\S]*nx run @acme\/shop:build/);
    // tests/*.test.ts run; a project whose config finds none of its specs fails, naming them.
    const shopTest = await nx(['run', '@acme/shop:test', '--skip-nx-cache', '--output-style=static']);
    expect(shopTest.code, shopTest.out).toBe(0);
    expect(shopTest.out).toMatch(/tests\/price\.test\.ts/);
    const strict = await nx(['run', '@acme/strict:test', '--skip-nx-cache', '--output-style=static']);
    expect(strict.code).not.toBe(0);
    expect(strict.out).toContain('@acme/strict: vitest ran no spec file, but the project has 1 (workers/strict/tests/strict.spec.ts)');
    // pooled: Cloudflare's Vitest integration (SELF, env from cloudflare:test, inside workerd) runs exactly as
    // `vitest run` in its folder does: the same files, tests and results.
    const summary = (out: string) => (out.replace(/\x1b\[[0-9;]*m/g, '').match(/^\s*(Test Files|Tests)\s+.*$/gm) ?? []).map((l) => l.trim());
    const own = await run(join(root, 'node_modules', '.bin', 'vitest'), ['run'], {}, 300_000, join(root, 'workers/pooled'));
    expect(own.code, own.out).toBe(0);
    const pooled = await nx(['run', '@acme/pooled:test', '--skip-nx-cache', '--output-style=static']);
    expect(pooled.code, pooled.out).toBe(0);
    expect(summary(pooled.out)).toEqual(summary(own.out));
    expect(summary(pooled.out)).toEqual(['Test Files  1 passed (1)', 'Tests  2 passed (2)']);
    // validate: the cycle through the hub as edges that exist, and the kept script explained (no advice in a circle).
    const validate = await run(join(root, 'node_modules', '.bin', 'nx-edge'), ['validate', '--json']);
    const report = JSON.parse(validate.stdout);
    expect(report.notes).toContain(
      "service graph cycle: @acme/hub-x → @acme/hub-y → @acme/hub-x, @acme/hub-z → @acme/hub-y → @acme/hub-z — allowed: its members start together (none waits for another's health) and deploy one after another; a first deploy needs one member deployed without its bindings to the others.",
    );
    expect(report.notes.join('\n')).toContain('workers/shop/package.json: script "deploy" ("node scripts/build-assets.mjs && wrangler deploy --minify") is @acme/shop\'s deploy target: it is a compound command');
    // typed: the types target keeps the team's runtime types and interface, and tsc finds no new error.
    const tsc = () => run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'workers/typed/tsconfig.json', '--noEmit', '--pretty', 'false']);
    const before = await tsc();
    const typed = await nx(['run', '@acme/typed:types', '--skip-nx-cache', '--output-style=static']);
    expect(typed.code, typed.out).toBe(0);
    expect(typed.out).toContain('your wrangler types output, regenerated with its own flags (runtime types kept, interface CloudflareBindings)');
    const dts = readFileSync(join(root, 'workers/typed/worker-configuration.d.ts'), 'utf8');
    expect(dts).toContain('// Runtime types generated with');
    expect(dts).toContain('interface CloudflareBindings');
    const after = await tsc();
    expect(after.code, after.out).toBe(before.code);
    expect(after.out.split('\n').filter((l) => l.includes('error TS')).length).toBe(before.out.split('\n').filter((l) => l.includes('error TS')).length);
    // boxed: the built config's container image still points at the Dockerfile.
    const boxedBuild = await nx(['run', '@acme/boxed:build', '--skip-nx-cache', '--output-style=static']);
    expect(boxedBuild.code, boxedBuild.out).toBe(0);
    const built = JSON.parse(readFileSync(join(root, 'dist/workers/boxed/wrangler.json'), 'utf8'));
    expect(existsSync(join(root, 'dist/workers/boxed', built.containers[0].image))).toBe(true);
    // Leave the repo as committed: the tests after this one measure `affected` from git.
    execFileSync('git', ['checkout', '--', '.'], { cwd: root });
  }, 600_000);

  it('dev runs a cycle and a dependent of it, each reachable at its wrangler name and its project name; remote-only bindings are listed', async () => {
    const proxyPort = await freePort();
    const dev: ChildProcess = spawn(
      join(root, 'node_modules', '.bin', 'nx'),
      ['run-many', '-t', 'dev', '--projects=@acme/ping,@acme/pong,@acme/ping-client,@acme/site,@acme/assistant', '--output-style=stream'],
      { cwd: root, env: { ...env, NX_EDGE_PROXY_PORT: String(proxyPort) }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    dev.stdout!.on('data', (d) => (out += d));
    dev.stderr!.on('data', (d) => (out += d));
    try {
      const status = async () => JSON.parse((await get(proxyPort, 'localhost', '/__nx-edge/status')).body) as { service: string; state: string; remoteOnly?: string[] }[];
      const deadline = Date.now() + 180_000;
      for (;;) {
        const rows = await status().catch(() => []);
        if (rows.length === 5 && rows.every((r) => r.state === 'healthy')) break;
        if (Date.now() > deadline || dev.exitCode !== null) throw new Error(`dev did not bring the five up:\n${out}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      for (const [host, service] of [['ping', 'ping'], ['acme-ping', 'ping'], ['pong', 'pong'], ['acme-ping-client', 'ping-client'], ['ping-client', 'ping-client']]) {
        const answer = await get(proxyPort, `${host}.localhost:${proxyPort}`);
        expect(answer.status, host).toBe(200);
        expect(JSON.parse(answer.body).service, host).toBe(service);
      }
      expect((await get(proxyPort, `site.localhost:${proxyPort}`, '/app.css')).body).toBe('body { margin: 0 }\n');
      expect((await status()).find((r) => r.service === '@acme/assistant')!.remoteOnly).toEqual(['AI (Workers AI)']);
      // The printed URL is one that answers.
      expect(out).toMatch(new RegExp(`@acme/ping is ready: http://acme-ping\\.localhost:${proxyPort} \\(proxy\\)`));
    } finally {
      process.kill(-dev.pid!, 'SIGINT');
      await new Promise((r) => (dev.exitCode !== null ? r(undefined) : dev.once('exit', r)));
    }
  }, 300_000);

  it('nx affected -t deploy -c staging --dry-run deploys a cycle in condensation order, saying once how a first deploy of it works', async () => {
    execFileSync('sh', ['-c', `echo "// touched" >> workers/ring-b/src/index.ts && git -c user.email=e2e@example.com -c user.name=e2e commit -qam "ring-b"`], { cwd: root });
    const result = await nx(['affected', '-t', 'deploy', '-c', 'staging', '--dry-run', '--base=HEAD~1', '--output-style=static']);
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('deploy order of this run: @acme/ring-a → @acme/ring-b → @acme/ring-c + @acme/ring-client');
    const notes = result.out.split('\n').filter((l) => l.includes('call each other'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('@acme/ring-a, @acme/ring-b and @acme/ring-c call each other');
    expect(result.out).not.toMatch(/circular dependency/);
  }, 600_000);

  it('nx-edge validate names the broken configs with file:line and exits 1', async () => {
    const validate = await run(join(root, 'node_modules', '.bin', 'nx-edge'), ['validate', '--json']);
    expect(validate.code).toBe(1);
    const report = JSON.parse(validate.stdout);
    const unparsable = report.problems.filter((p: { kind: string }) => p.kind === 'unparsable-config');
    expect(unparsable.map((p: { project: string }) => p.project).sort()).toEqual(fixture.brokenProjects);
    for (const b of fixture.broken) expect(unparsable.find((p: { project: string }) => p.project === b.project).message).toContain(`${b.file}:${b.line}: invalid`);
    expect(report.problems.filter((p: { kind: string }) => p.kind === 'script-shadows-target')).toEqual([]);
    // The template the summary line counted is listed, with why (never silently dropped).
    expect(report.skipped).toEqual([
      { configFile: 'templates/worker/wrangler.jsonc', reason: 'skipped as a template: its name "{{SERVICE_NAME}}" is a template placeholder; it is no Worker project (no targets, not deployed)' },
    ]);
  }, 300_000);

  it('in the pnpm workspace, test, provision, secrets and deploy run too (real wrangler against the fake Cloudflare API)', async () => {
    const api = await startFakeCloudflareApi({ subdomain: 'acme' });
    const health = createHttpServer((_req, res) => res.writeHead(200).end('ok'));
    await new Promise<void>((r) => health.listen(0, '127.0.0.1', () => r()));
    try {
      const cf = { ...fakeApiEnv(api), NX_EDGE_HEALTH_BASE_URL: `http://127.0.0.1:${(health.address() as { port: number }).port}/{worker}` };
      execFileSync('sh', ['-c', 'mkdir -p workers/logger/src'], { cwd: root });
      writeFileSync(
        join(root, 'workers/logger/src/index.spec.ts'),
        `import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { startWorker } from '@aero/nx-edge/testing';
it('answers', async () => {
  const worker = await startWorker({ projectRoot: fileURLToPath(new URL('..', import.meta.url)) });
  expect(await (await worker.fetch('/x')).json()).toEqual({ service: 'logger', path: '/x' });
  await worker.dispose();
}, 30_000);
`,
      );
      const test = await nx(['run', '@acme/logger:test', '--skip-nx-cache']);
      expect(test.code, test.out).toBe(0);
      const provision = await nx(['run', '@acme/producer-a:provision', '--dry-run'], cf);
      expect(provision.code, provision.out).toBe(0);
      expect(provision.out).toMatch(/create\s+queue jobs-a/);
      const deploy = await nx(['run', '@acme/w04:deploy', '--output-style=static'], cf);
      expect(deploy.code, deploy.out).toBe(0);
      expect(deploy.out).toContain('✔ @acme/w04 (top level) deployed');
      expect(api.script('w04')).toBeDefined();
      expect(api.script('logger')).toBeDefined(); // its tail consumer went first
      // shop's own deploy pipeline (kept as the target): its asset step runs first, then its wrangler deploy --minify.
      const shopDeploy = await nx(['run', '@acme/shop:deploy', '--output-style=static'], cf);
      expect(shopDeploy.code, shopDeploy.out).toBe(0);
      expect(shopDeploy.out).toMatch(/assets built[\s\S]*Uploaded shop/);
      expect(api.script('shop')).toBeDefined();
      const list = await nx(['run', '@acme/logger:secrets', 'list'], cf);
      expect(list.code, list.out).toBe(0);
      expect(list.out).toContain('no secrets on logger.');
    } finally {
      await api.close();
      health.close();
    }
  }, 600_000);
});

describe('brownfield: a pnpm repo that pins wrangler 3', () => {
  const root = join(tmpdir(), `nx-edge-wrangler3-${randomBytes(4).toString('hex')}`);
  const tools = join(E2E_TMP, 'pnpm-tool');
  let env: NodeJS.ProcessEnv;
  const nx = (args: string[]): Promise<{ code: number; out: string }> =>
    new Promise((resolve) => {
      const child = spawn(join(root, 'node_modules', '.bin', 'nx'), args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('close', (code) => resolve({ code: code ?? 1, out }));
    });
  const installedWrangler = () => JSON.parse(readFileSync(join(root, 'node_modules', 'wrangler', 'package.json'), 'utf8')).version as string;

  beforeAll(() => {
    const { nxEdge, edgeRuntime } = tarballs();
    const { nx: nxVersion, '@nx/devkit': devkit, typescript } = TEMPLATE_DEPENDENCIES;
    const write = (path: string, text: string) => {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    write('package.json', `${JSON.stringify({ name: 'pinned', private: true, devDependencies: { nx: nxVersion, '@nx/devkit': devkit, typescript, wrangler: '3.114.17', '@aero/nx-edge': `file:${nxEdge}`, '@aero/edge-runtime': `file:${edgeRuntime}` } }, null, 2)}\n`);
    write('pnpm-workspace.yaml', "packages:\n  - 'workers/*'\n");
    write('.gitignore', 'node_modules/\ndist/\n.wrangler/\n.nx/\n.e2e-home/\n');
    write('workers/api/package.json', `${JSON.stringify({ name: '@pinned/api', private: true, scripts: { dev: 'wrangler dev' } }, null, 2)}\n`);
    write('workers/api/wrangler.toml', 'name = "api"\nmain = "src/index.ts"\ncompatibility_date = "2026-04-20"\n\n[[kv_namespaces]]\nbinding = "CACHE"\nid = "api-cache"\n');
    write('workers/api/src/index.ts', "export default { fetch: () => new Response('api') };\n");
    if (!existsSync(join(tools, 'node_modules', '.bin', 'pnpm'))) {
      mkdirSync(tools, { recursive: true });
      execFileSync('npm', ['install', '--prefix', tools, '--no-audit', '--no-fund', '--loglevel=error', PNPM], { stdio: 'ignore' });
    }
    env = { ...process.env, ...HERMETIC_ENV, PATH: `${join(tools, 'node_modules', '.bin')}:${process.env.PATH}`, npm_config_store_dir: join(E2E_TMP, 'pnpm-store'), XDG_CONFIG_HOME: join(root, '.e2e-home'), WRANGLER_SEND_METRICS: 'false' };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    execFileSync('pnpm', ['install', '--no-frozen-lockfile', '--reporter=silent'], { cwd: root, env, stdio: 'pipe' });
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: root });
    execFileSync('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'add', '-A'], { cwd: root });
    execFileSync('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'commit', '-q', '-m', 'pinned'], { cwd: root });
  }, 600_000);

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('init names the one pnpm command that fixes the toolchain and changes no version; targets refuse with that command; init --upgrade runs it and the targets work', async () => {
    expect(installedWrangler()).toBe('3.114.17');
    const init = await nx(['g', '@aero/nx-edge:init', '--no-interactive']);
    expect(init.code, init.out).toBe(0);
    const fix = /pnpm add -D -w wrangler@\S+ @cloudflare\/workers-types@\S+/;
    expect(init.out).toMatch(/package\.json pins wrangler 3\.114\.17, outside what @aero\/nx-edge supports \(>=4\.86\.0 <5\): its targets will refuse to run until you run pnpm add -D -w wrangler@\S+ @cloudflare\/workers-types@\S+ \(or nx g @aero\/nx-edge:init --upgrade\)\./);
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies.wrangler).toBe('3.114.17');
    const refused = await nx(['run', '@pinned/api:types', '--skip-nx-cache', '--output-style=static']);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('wrangler 3.114.17 is installed (node_modules/wrangler), but @aero/nx-edge supports wrangler >=4.86.0 <5. Install a supported one: pnpm add -D -w wrangler@');
    expect(refused.out).toMatch(fix);
    expect(refused.out).not.toContain('npm install');

    const upgrade = await nx(['g', '@aero/nx-edge:init', '--upgrade', '--no-interactive']);
    expect(upgrade.code, upgrade.out).toBe(0);
    expect(upgrade.out).toMatch(/nx-edge: package\.json: wrangler 3\.114\.17 → 4\.\d+\.\d+ \(--upgrade; @aero\/nx-edge supports >=4\.86\.0 <5\); install follows/);
    expect(installedWrangler()).toMatch(/^4\./);
    const types = await nx(['run', '@pinned/api:types', '--skip-nx-cache', '--output-style=static']);
    expect(types.code, types.out).toBe(0);
    expect(readFileSync(join(root, 'workers/api/worker-configuration.d.ts'), 'utf8')).toContain('CACHE: KVNamespace');
  }, 600_000);
});
