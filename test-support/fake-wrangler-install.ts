import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A workspace folder whose node_modules holds a wrangler of this version (and, when given, the
 * Miniflare beside it with this index.js), for specs of how nx-edge finds the workspace's wrangler.
 */
export function fakeWranglerInstall(wrangler: string | undefined, miniflare?: { version: string; indexJs: string }): string {
  const root = mkdtempSync(join(tmpdir(), 'nx-edge-wrangler-'));
  const modules = join(root, 'node_modules');
  if (wrangler) {
    mkdirSync(join(modules, 'wrangler', 'bin'), { recursive: true });
    writeFileSync(join(modules, 'wrangler', 'package.json'), JSON.stringify({ name: 'wrangler', version: wrangler }));
    writeFileSync(join(modules, 'wrangler', 'bin', 'wrangler.js'), '');
  }
  if (miniflare) {
    mkdirSync(join(modules, 'miniflare'), { recursive: true });
    writeFileSync(join(modules, 'miniflare', 'package.json'), JSON.stringify({ name: 'miniflare', version: miniflare.version, main: 'index.js' }));
    writeFileSync(join(modules, 'miniflare', 'index.js'), miniflare.indexJs);
  }
  return root;
}
