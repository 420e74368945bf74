import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startFakeNpmRegistry, type FakeNpmRegistry } from '../test-support/fake-npm-registry/fake-npm-registry';
import { E2E_TMP, HERMETIC_ENV, tarballs } from './support/template';

// What a user runs to start: `npx create-nx-workspace myorg --preset=@aero/nx-edge`. The registry's
// newest create-nx-workspace (23.2.1; there is no 24.x on the registry) installs Nx and our preset
// from npm; the @aero scope is served from our packed tarballs as if published.
function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe('create-nx-workspace --preset=@aero/nx-edge', () => {
  let registry: FakeNpmRegistry;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const { nxEdge, edgeRuntime } = tarballs();
    registry = await startFakeNpmRegistry([nxEdge, edgeRuntime]);
    dir = join(E2E_TMP, `preset-${randomBytes(4).toString('hex')}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'npmrc'), `@aero:registry=${registry.url}/\n`);
    env = { ...process.env, ...HERMETIC_ENV, NPM_CONFIG_USERCONFIG: join(dir, 'npmrc'), npm_config_update_notifier: 'false' };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  });
  afterAll(async () => {
    await registry?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('yields a workspace with one Worker and one library whose build and tests are green', async () => {
    const created = await run(
      'npx',
      ['-y', 'create-nx-workspace@23.2.1', 'myorg', '--preset=@aero/nx-edge', '--nxCloud=skip', '--packageManager=npm', '--no-interactive', '--trustThirdPartyPreset'],
      { cwd: dir, env },
    );
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect(registry.requests).toContain('@aero/nx-edge'); // the preset came from our tarball
    const root = join(dir, 'myorg');
    const nxJson = JSON.parse(readFileSync(join(root, 'nx.json'), 'utf8'));
    expect(nxJson.plugins).toContain('@aero/nx-edge');
    // One @nx/devkit in the workspace Nx 23 made: ours is a range that takes the workspace's, not a copy of its own.
    const nxVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'nx', 'package.json'), 'utf8')).version as string;
    expect(nxVersion).toMatch(/^23\./);
    const devkits = await run('npm', ['ls', '@nx/devkit', '--all', '--parseable'], { cwd: root, env });
    expect(devkits.stdout.split('\n').filter(Boolean).filter((p) => p !== root).map((p) => relative(root, p))).toEqual([join('node_modules', '@nx', 'devkit')]);

    const shown = await run('npx', ['nx', 'show', 'projects'], { cwd: root, env });
    expect(shown.stdout.split('\n').map((l) => l.trim()).filter(Boolean).sort()).toEqual(['api', 'common']);

    const green = await run('npx', ['nx', 'run-many', '-t', 'build', 'test'], { cwd: root, env });
    expect(green.code, green.stdout + green.stderr).toBe(0);
    expect(green.stdout).toContain('Successfully ran targets build, test for 2 projects');
    // Nx folds the tasks' output; the run summary still shows the Worker's size.
    expect(green.stdout).toMatch(/nx-edge: 1 Worker built\n\s+api\s+[\d.]+ KiB\s+gzip [\d.]+ KiB/);
  }, 600_000);
});
