// The versions nx-edge installs into a workspace: pinned to what works together, per Node line.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Our own package.json, found upwards from here (src/ when tested, dist/src/ when installed). */
function ownVersion(): string {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version: string };
      if (pkg.name === '@aero/nx-edge') return pkg.version;
    }
  }
  return '0.0.0';
}

export const nxEdgeVersion: string = ownVersion();
export const vitestVersion = '4.1.12';

/** wrangler and the workers-types its peer range wants, tested together (miniflare comes with wrangler). */
export interface WranglerToolchain {
  wrangler: string;
  workersTypes: string;
}
/** The newest wrangler that runs on Node 20 (wrangler 4.87+ needs Node 22). */
export const NODE_20_TOOLCHAIN: WranglerToolchain = { wrangler: '4.86.0', workersTypes: '^4.20260702.1' };
/** The newest wrangler when this release was made, tested on Node 22 (it needs Node >= 22.12). */
export const NODE_22_TOOLCHAIN: WranglerToolchain = { wrangler: '4.164.0', workersTypes: '^5.20261117.1' };

/** What `init` installs and error messages suggest, for the Node that runs nx-edge. */
export function toolchainFor(nodeVersion = process.versions.node): WranglerToolchain {
  const [major, minor] = nodeVersion.replace(/^v/, '').split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 12) ? NODE_22_TOOLCHAIN : NODE_20_TOOLCHAIN;
}
export const typescriptVersion = '5.9.3';

/** The newest compatibility_date we write when the installed workerd cannot tell us its own. */
export const FALLBACK_COMPATIBILITY_DATE = '2026-04-20';

// Framework templates of the function generator.
export const honoVersion = '^4.13.0';
export const expressVersion = '^5.1.0';
export const nestVersion = '^11.1.0';
export const reflectMetadataVersion = '^0.2.2';
export const rxjsVersion = '^7.8.2';
