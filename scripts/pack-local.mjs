// Builds both packages and writes installable tarballs to dist/tarballs/
// (aero-nx-edge-<version>.tgz, aero-edge-runtime-<version>.tgz).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, 'dist', 'tarballs');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const pkg of ['edge-runtime', 'nx-edge']) {
  const dir = join(root, 'packages', pkg);
  execFileSync(npm, ['run', 'build'], { cwd: dir, stdio: 'inherit' });
  execFileSync(npm, ['pack', '--pack-destination', out, '--silent'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
}
for (const file of readdirSync(out)) console.log(join('dist', 'tarballs', file));
