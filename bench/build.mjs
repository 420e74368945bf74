// bench/build: `nx run-many -t build --skip-nx-cache` on 100 Workers (esbuild in-process, Nx runs
// tasks in parallel) vs `wrangler deploy --dry-run --outdir <abs>` for each Worker, one after the
// other — what a script looping over Workers does without nx-edge.
// With --batch Nx hands every build task to one process (the executor's batch implementation).
// Run: npm run build:packages && node bench/build.mjs [workers=100]
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateWorkspace, NX_ENV, REPO_ROOT } from './lib/workspace.mjs';

const workers = Number(process.argv[2] ?? 100);
const dir = join(REPO_ROOT, 'tmp', 'bench', 'build');
const names = generateWorkspace(dir, { workers, withPlugin: true });
const bin = (name) => join(REPO_ROOT, 'node_modules', '.bin', name);

function timeNx(extra) {
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  execFileSync(bin('nx'), ['reset'], { cwd: dir, env: NX_ENV, stdio: 'ignore' });
  const start = performance.now();
  execFileSync(bin('nx'), ['run-many', '-t', 'build', '--skip-nx-cache', '--output-style=stream', ...extra], { cwd: dir, env: NX_ENV, stdio: 'ignore' });
  const ms = performance.now() - start;
  for (const name of names) if (!existsSync(join(dir, 'dist/apps', name, 'index.js'))) throw new Error(`no bundle for ${name}`);
  return ms;
}
const nxMs = timeNx([]);
const batchMs = timeNx(['--batch']);
let start;

start = performance.now();
for (const name of names) {
  execFileSync(bin('wrangler'), ['deploy', '--dry-run', '--outdir', join(dir, 'tmp-wrangler', name), '-c', join(dir, 'apps', name, 'wrangler.jsonc')], {
    cwd: dir,
    env: { ...NX_ENV, XDG_CONFIG_HOME: join(dir, '.xdg') },
    stdio: 'ignore',
  });
}
const wranglerMs = performance.now() - start;

console.log(`build ${workers} Workers`);
console.log(`  wrangler deploy --dry-run, one per Worker:           ${(wranglerMs / 1000).toFixed(1)} s`);
console.log(`  nx run-many -t build --skip-nx-cache:                ${(nxMs / 1000).toFixed(1)} s  → ${(wranglerMs / nxMs).toFixed(1)}× faster`);
console.log(`  nx run-many -t build --skip-nx-cache --batch:        ${(batchMs / 1000).toFixed(1)} s  → ${(wranglerMs / batchMs).toFixed(1)}× faster (target ≥ 5×)`);
