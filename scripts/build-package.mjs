// Builds the package in the current directory: tsc to dist/, then copies the assets tsc ignores
// (schema.json, generator templates under files/) next to the compiled code.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createRequire } from 'node:module';

const cwd = process.cwd();
const require = createRequire(import.meta.url);
rmSync(join(cwd, 'dist'), { recursive: true, force: true });
try {
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json"], {
    cwd,
    stdio: 'inherit',
  });
} catch {
  console.error(`build failed: tsc reported errors in ${cwd}`);
  process.exit(1);
}

const srcRoot = join(cwd, 'src');
const distSrc = existsSync(join(cwd, 'dist', 'src')) ? join(cwd, 'dist', 'src') : join(cwd, 'dist');
function copyAssets(dir) {
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    const target = join(distSrc, relative(srcRoot, full));
    if (statSync(full).isDirectory()) {
      if (entry === 'files' || entry === 'assets') cpSync(full, target, { recursive: true });
      else copyAssets(full);
    } else if (/\.(json|html|css|mjs)$/.test(entry) && !entry.endsWith('.spec.mjs')) {
      cpSync(full, target);
    }
  }
}
if (existsSync(srcRoot)) copyAssets(srcRoot);
