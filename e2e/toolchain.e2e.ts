import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eNode } from './support/template';
import { createE2eWorkspace, type E2eWorkspace } from './support/workspace';

// Runs in both e2e projects: Node 20 with wrangler 4.86.0, and Node 22 with the newest wrangler 4.x.
describe(`toolchain (Node ${e2eNode()}): the workspace's own wrangler and the Miniflare it brings`, () => {
  let ws: E2eWorkspace;
  const node = e2eNode();

  beforeAll(async () => {
    ws = await createE2eWorkspace('toolchain');
    await ws.nxOk(['g', '@aero/nx-edge:function', 'users', '--no-interactive']);
  });
  afterAll(async () => {
    await ws?.dispose();
  });

  it('one wrangler and one Miniflare in the workspace, of the line this project tests', async () => {
    expect((await ws.run('node', ['--version'])).stdout).toMatch(node === '22' ? /^v22\./ : /^v20\./);
    const versionOf = (pkg: string) => ws.readJson(`node_modules/${pkg}/package.json`).version as string;
    const wrangler = versionOf('wrangler');
    if (node === '22') {
      // The newest wrangler 4.x the registry serves, and the Miniflare 5 it ships.
      const newest = execFileSync('npm', ['view', 'wrangler@latest', 'version'], { encoding: 'utf8' }).trim();
      expect(wrangler).toBe(newest.startsWith('4.') ? newest : wrangler);
      expect(versionOf('miniflare')).toMatch(/^5\./);
    } else {
      expect(wrangler).toBe('4.86.0');
      expect(versionOf('miniflare')).toMatch(/^4\./);
    }
    // @aero/nx-edge brings neither: no second copy nested under it.
    expect(ws.exists('node_modules/@aero/nx-edge/node_modules/wrangler')).toBe(false);
    expect(ws.exists('node_modules/@aero/nx-edge/node_modules/miniflare')).toBe(false);
  });

  it("a generated Worker gets the newest date the workspace's workerd supports, and its tests run there", async () => {
    const workerdDate = ws.readJson('node_modules/workerd/package.json').version.split('.')[1] as string;
    const written = /"compatibility_date": "(\d{4}-\d{2}-\d{2})"/.exec(ws.read('apps/users/wrangler.jsonc'))![1];
    const today = new Date().toISOString().slice(0, 10);
    const supported = `${workerdDate.slice(0, 4)}-${workerdDate.slice(4, 6)}-${workerdDate.slice(6, 8)}`;
    expect(written).toBe(supported < today ? supported : today);
    const result = await ws.nx(['run', 'users:test', '--output-style=static']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Tests\s+2 passed/);
  });

  describe('a wrangler nx-edge does not support is a clear error, before anything runs', () => {
    const manifest = () => join(ws.root, 'node_modules', 'wrangler', 'package.json');
    let original: string;
    beforeAll(() => {
      original = ws.read('node_modules/wrangler/package.json');
      // node_modules is hard-linked to the template: replace the file, never write through the link.
      rmSync(manifest());
      writeFileSync(manifest(), JSON.stringify({ ...JSON.parse(original), version: '3.114.0' }));
    });
    afterAll(() => {
      rmSync(manifest());
      writeFileSync(manifest(), original);
    });

    it.each([['test'], ['dev'], ['deploy']])('nx run users:%s names the version, the range and the install command; exit 1, no stack', async (target) => {
      const result = await ws.nx(['run', `users:${target}`, '--output-style=static', '--skip-nx-cache'], { env: { NX_EDGE_PROXY_PORT: '0' }, timeoutMs: 120_000 });
      const out = result.stdout + result.stderr;
      expect(result.code).not.toBe(0);
      expect(out).toContain('wrangler 3.114.0 is installed (node_modules/wrangler), but @aero/nx-edge supports wrangler >=4.86.0 <5. Install a supported one: npm install -D wrangler@');
      expect(out).not.toMatch(/\n\s+at .+:\d+:\d+/);
    });
  });
  // A missing wrangler is a unit spec (utils/wrangler-package.spec.ts): these workspaces live inside
  // the repo, whose own wrangler Node's resolution would find above them.
});
