import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../utils/user-error';
import { miniflareVersion, wranglerVersion } from '../utils/versions';

/** The Miniflare major version nx-edge runs Workers with (dev and tests). */
export const SUPPORTED_MINIFLARE_MAJOR = 4;

/**
 * The workspace's own Miniflare (the one its wrangler brought), else ours. Miniflare 5 — shipped by
 * wrangler 4.117 and later — takes a different Worker options shape, which nx-edge does not build yet:
 * that is said plainly, with the fix, instead of Miniflare's validation dump.
 */
export function loadMiniflare(fromDir: string): typeof import('miniflare') {
  const manifest = require.resolve('miniflare/package.json', { paths: [fromDir, __dirname] });
  const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  const major = Number(version.split('.')[0]);
  if (major !== SUPPORTED_MINIFLARE_MAJOR) {
    throw new UserError(
      `miniflare ${version} is installed (${dirname(manifest)}), but @aero/nx-edge runs Workers with Miniflare ${SUPPORTED_MINIFLARE_MAJOR} — wrangler 4.117 and later ship Miniflare ${major}, whose options nx-edge does not build yet. Pin the tested pair: npm install -D wrangler@${wranglerVersion} miniflare@${miniflareVersion}`,
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(dirname(manifest)) as typeof import('miniflare');
}
