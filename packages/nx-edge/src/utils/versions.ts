// The versions nx-edge installs into a workspace: pinned to what works together on Node 20.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Our own package.json, found upwards from here (src/ when tested, dist/src/ when installed). */
function ownVersion(): string {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      if (pkg.name === '@aero/nx-edge') return pkg.version;
    }
  }
  return '0.0.0';
}

export const nxEdgeVersion: string = ownVersion();
export const wranglerVersion = '4.86.0';
export const miniflareVersion = '4.20260426.0';
export const vitestVersion = '4.1.12';
export const workersTypesVersion = '^4.20260702.1';
export const typescriptVersion = '5.9.3';

/** The newest compatibility_date we write when the installed workerd cannot tell us its own. */
export const FALLBACK_COMPATIBILITY_DATE = '2026-04-20';

// Framework templates of the function generator.
export const honoVersion = '^4.13.0';
export const expressVersion = '^5.1.0';
export const nestVersion = '^11.1.0';
export const reflectMetadataVersion = '^0.2.2';
export const rxjsVersion = '^7.8.2';
