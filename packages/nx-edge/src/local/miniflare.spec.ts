import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMiniflare } from './miniflare';

describe('loadMiniflare', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("loads the workspace's Miniflare 4", () => {
    expect(typeof loadMiniflare(process.cwd()).Miniflare).toBe('function');
  });

  it('refuses Miniflare 5 (wrangler 4.117+) naming the version, where it is and the tested pair to pin', () => {
    const root = (dir = mkdtempSync(join(tmpdir(), 'nx-edge-mf5-')));
    mkdirSync(join(root, 'node_modules', 'miniflare'), { recursive: true });
    writeFileSync(join(root, 'node_modules', 'miniflare', 'package.json'), JSON.stringify({ name: 'miniflare', version: '5.20261117.0-beta', main: 'index.js' }));
    writeFileSync(join(root, 'node_modules', 'miniflare', 'index.js'), 'throw new Error("must not be loaded")');
    expect(() => loadMiniflare(root)).toThrow(
      /^miniflare 5\.20261117\.0-beta is installed \(.*node_modules\/miniflare\), but @aero\/nx-edge runs Workers with Miniflare 4 — wrangler 4\.117 and later ship Miniflare 5, whose options nx-edge does not build yet\. Pin the tested pair: npm install -D wrangler@4\.86\.0 miniflare@4\.20260426\.0$/,
    );
  });
});
