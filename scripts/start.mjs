// `npm start`: builds the plugin from source, builds the example Workers with it (nx run-many -t
// build), then runs them in real workerd — one Miniflare instance hosting gateway, users and orders,
// wired by their service bindings, with local KV and D1 persisted under .wrangler/state — and
// serves gateway on http://127.0.0.1:8787 (PORT to change). Ctrl-C stops it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const root = join(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
const WORKERS = ['gateway', 'users', 'orders'];

execFileSync('npm', ['run', 'build:packages'], { cwd: root, stdio: 'inherit' });
execFileSync(join(root, 'node_modules', '.bin', 'nx'), ['run-many', '-t', 'build', '--projects=tag:example', '--output-style=static'], { cwd: root, stdio: 'inherit', env });

const { Miniflare } = require('miniflare');
const { localWorkerOptions, parseDevVars } = require(join(root, 'packages/nx-edge/dist/src/dev/worker-options.js'));

const workers = WORKERS.map((name) => {
  const out = join(root, 'dist/examples/apps', name);
  const config = JSON.parse(readFileSync(join(out, 'wrangler.json'), 'utf8'));
  const devVarsFile = join(root, 'examples/apps', name, '.dev.vars');
  const devVars = existsSync(devVarsFile) ? parseDevVars(readFileSync(devVarsFile, 'utf8')) : {};
  return localWorkerOptions(config, { scriptPath: join(out, 'index.js'), modulesRoot: out }, devVars);
});

const state = join(root, '.wrangler', 'state', 'examples');
const mf = new Miniflare({
  workers,
  host: '127.0.0.1',
  port: Number(process.env.PORT ?? 8787),
  cf: false,
  kvPersist: join(state, 'kv'),
  d1Persist: join(state, 'd1'),
  r2Persist: join(state, 'r2'),
  durableObjectsPersist: join(state, 'do'),
});
const url = await mf.ready;
const answer = await (await mf.dispatchFetch(new URL('/', url))).json();
console.log(`\nexample app running in workerd: gateway at ${url} (users and orders behind its service bindings)`);
console.log(`GET / → ${JSON.stringify(answer).slice(0, 160)}…`);
console.log('Ctrl-C to stop.');

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await mf.dispose();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
