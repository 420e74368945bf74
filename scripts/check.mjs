// `npm run check` (and `npm test`, after the build, before any test): the type check of every TypeScript file (tsc -b over the
// solution tsconfig.json), ESLint with typescript-eslint's type-aware rules, and a reason on every
// eslint-disable. The two run side by side; each step's time is printed; exits non-zero if any fails.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = (pkg, file) => join(root, 'node_modules', pkg, file);

/** Runs a step, its output held until it ends (the steps run side by side). */
function step(name, args) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (output.trim()) process.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
      console.log(code === 0 ? `[check] ${name}: clean (${seconds} s)` : `[check] ${name} failed (${seconds} s)`);
      resolve(code === 0);
    });
  });
}

/** Every `eslint-disable` directive names its rule and says why after ` -- ` (wrangler's generated headers aside). */
function disablesWithoutReason() {
  const listed = spawnSync('git', ['ls-files', '*.ts', '*.mts', '*.mjs'], { cwd: root, encoding: 'utf8' });
  const files = listed.status === 0 ? listed.stdout.split('\n').filter(Boolean) : [];
  const found = [];
  for (const file of files) {
    const lines = readFileSync(join(root, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      const directive = /\/\/\s*eslint-disable(?:-next-line|-line)?(?=\s|$)(.*)$/.exec(line);
      if (directive && !/\S+\s+--\s+\S/.test(directive[1])) found.push(`${relative(root, join(root, file))}:${i + 1}: ${line.trim()}`);
    });
  }
  return found;
}

// The examples type against @aero/edge-runtime's built declarations and bench against the built plugin.
if (!existsSync(join(root, 'packages', 'edge-runtime', 'dist')) || !existsSync(join(root, 'packages', 'nx-edge', 'dist'))) {
  console.error('[check] the packages are not built yet: run npm run build:packages first (npm test does).');
  process.exit(1);
}
const results = await Promise.all([
  step('type check (tsc -b tsconfig.json)', [bin('typescript', 'bin/tsc'), '-b', 'tsconfig.json']),
  step('lint (eslint .)', [bin('eslint', 'bin/eslint.js'), '.', '--max-warnings=0', '--report-unused-disable-directives-severity=error']),
]);
const bare = disablesWithoutReason();
if (bare.length) console.error(`[check] eslint-disable without a reason (write \`// eslint-disable-next-line <rule> -- <why>\`):\n${bare.join('\n')}`);
else console.log('[check] every eslint-disable names its rule and its reason');
if (results.includes(false) || bare.length) process.exit(1);
