// `npm test`: everything CI runs. Installs Debian's chromium and tmux when missing (the dashboard e2e drives
// chromium, the prompt e2e types into tmux), builds and packs both packages, then — before any test — the
// type check of every TypeScript file and ESLint (scripts/check.mjs, both must be clean), then the unit and
// e2e suites with vitest, ending with the plain "N passed, N failed" line.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });

function ensureDebianPackages(packages) {
  const missing = packages.filter((name) => !existsSync(`/usr/bin/${name}`));
  if (missing.length === 0) return;
  console.log(`[test] ${missing.map((name) => `/usr/bin/${name}`).join(', ')} missing: installing Debian ${missing.join(', ')} (apt-get)`);
  const asRoot = !process.getuid || process.getuid() === 0;
  const apt = (args) =>
    run(asRoot ? 'apt-get' : 'sudo', asRoot ? args : ['apt-get', ...args], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  apt(['update', '-q']);
  apt(['install', '-y', '-q', '--no-install-recommends', ...missing]);
}

ensureDebianPackages(['chromium', 'tmux']);
run(process.execPath, [join(root, 'scripts', 'pack-local.mjs')]);
// Before any test, after the build (the examples import @aero/edge-runtime's built types, bench the built plugin).
if (!process.argv.includes('--skip-check')) run(process.execPath, [join(root, 'scripts', 'check.mjs')]);
mkdirSync(join(root, 'tmp'), { recursive: true });
const report = join(root, 'tmp', 'vitest-report.json');
const extra = process.argv.slice(2).filter((a) => a !== '--skip-check');
const result = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' } },
);
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  console.log(`\n${json.numPassedTests} passed, ${json.numFailedTests} failed`);
}
process.exit(result.status ?? 1);
