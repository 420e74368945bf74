import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeWranglerInstall } from '../../../../test-support/fake-wrangler-install';
import { wranglerInstallSpec } from './wrangler-package';
import { loadMiniflare, toMiniflare5Options } from './miniflare';

// A Miniflare 5 stand-in: records what its constructor and setOptions receive, converting as the real
// one's convertV4MiniflareOptions would be asked to.
const MINIFLARE_5 = `
exports.seen = [];
exports.convertV4MiniflareOptions = (o) => ({ converted: o });
exports.Miniflare = class { constructor(o) { exports.seen.push(o); } setOptions(o) { exports.seen.push(o); return Promise.resolve(); } };
`;

describe('loadMiniflare: the Miniflare of the workspace wrangler', () => {
  const roots: string[] = [];
  afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));
  const install = (...args: Parameters<typeof fakeWranglerInstall>) => {
    const root = fakeWranglerInstall(...args);
    roots.push(root);
    return root;
  };

  it("loads the repo's wrangler 4.86 Miniflare 4 as is", () => {
    expect(typeof loadMiniflare(process.cwd()).Miniflare).toBe('function');
  });

  it('gives Miniflare 5 (wrangler 4.117+) our options through its own converter, on construction and on setOptions', async () => {
    const root = install('4.164.0', { version: '5.20261117.0-beta', indexJs: MINIFLARE_5 });
    const { Miniflare } = loadMiniflare(root);
    const persist = join(root, '.wrangler', 'state', 'v3');
    const options = { workers: [{ name: 'api' }], kvPersist: join(persist, 'kv'), d1Persist: join(persist, 'd1'), r2Persist: join(persist, 'r2'), durableObjectsPersist: join(persist, 'do'), cachePersist: join(persist, 'cache') };
    const mf = new Miniflare(options as never);
    await mf.setOptions({ workers: [{ name: 'web' }] } as never);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the fake Miniflare just written, loaded as the code under test loads it
    const seen = require(join(root, 'node_modules', 'miniflare')).seen;
    expect(seen).toEqual([{ converted: { workers: [{ name: 'api' }], resourcePersistencePath: persist } }, { converted: { workers: [{ name: 'web' }] } }]);
  });

  it("names a Worker's Cache API switch as Miniflare 5's converter reads it (cacheAPI), leaving its other options as they are", () => {
    const convert = (o: never) => o;
    expect(toMiniflare5Options({ workers: [{ name: 'api', cache: false, zone: 'a.example.com' }, { name: 'web' }] }, convert)).toEqual({
      workers: [{ name: 'api', cacheAPI: false, zone: 'a.example.com' }, { name: 'web' }],
    });
  });

  it('refuses state folders Miniflare 5 cannot keep under one root, and raw stdio handlers it does not offer', () => {
    const convert = (o: never) => o;
    expect(() => toMiniflare5Options({ kvPersist: '/a/kv', d1Persist: '/b/d1' }, convert)).toThrow('Miniflare 5 keeps all local state under one root; got /a, /b');
    expect(() => toMiniflare5Options({ kvPersist: '/a/store' }, convert)).toThrow('kvPersist must end in /kv');
    expect(() => toMiniflare5Options({ handleRuntimeStdio: () => undefined }, convert)).toThrow('use handleStructuredLogs');
  });

  it('refuses a Miniflare major it does not run, naming version, place, wrangler and the fix', () => {
    const root = install('4.200.0', { version: '6.20270101.0', indexJs: 'throw new Error("must not be loaded")' });
    expect(() => loadMiniflare(root)).toThrow(
      `miniflare 6.20270101.0 is installed (node_modules/miniflare, with wrangler 4.200.0), but @aero/nx-edge runs Workers with Miniflare 4 or 5. Install a supported wrangler: npm install -D ${wranglerInstallSpec()}`,
    );
  });

  it('a wrangler out of range stops before any Miniflare is loaded', () => {
    const root = install('3.114.0', { version: '3.20250101.0', indexJs: 'throw new Error("must not be loaded")' });
    expect(() => loadMiniflare(root)).toThrow(/^wrangler 3\.114\.0 is installed \(node_modules\/wrangler\), but @aero\/nx-edge supports wrangler >=4\.86\.0 <5\./);
  });
});
