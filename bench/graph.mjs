// bench/graph: how much the nx-edge inference plugin adds to `nx show projects` on 100 Workers.
// Both workspaces have the same 100 projects (project.json); one also registers the plugin, which
// infers 5 targets per Worker and draws the service-binding edges. Cache reset before every run.
// Run: npm run build:packages && node bench/graph.mjs [runs=5]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateWorkspace, median, NX_ENV, REPO_ROOT } from './lib/workspace.mjs';
import { procStat } from './lib/proc.mjs';

const runs = Number(process.argv[2] ?? 5);
const nx = (dir, args) => execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'nx'), args, { cwd: dir, env: NX_ENV, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

function timeOnce(dir) {
  nx(dir, ['reset', '--only-cache']);
  const start = performance.now();
  const out = nx(dir, ['show', 'projects']);
  const ms = performance.now() - start;
  if (!out.includes('w99')) throw new Error(`nx show projects in ${dir} did not list w99`);
  return ms;
}

/** Round-robin over the variants (one run of each per round) so machine noise hits all alike. */
function timeInterleaved(dirs) {
  const times = dirs.map(() => []);
  for (let i = 0; i < runs; i++) dirs.forEach((dir, k) => times[k].push(timeOnce(dir)));
  return times.map(median);
}

const base = join(REPO_ROOT, 'tmp', 'bench');
const without = join(base, 'graph-without-plugin');
const withPlugin = join(base, 'graph-with-plugin');
generateWorkspace(without, { withPlugin: false });
generateWorkspace(withPlugin, { withPlugin: true });
// N: a plugin that does nothing (same glob, no projects, no targets): the floor any Nx plugin pays.
const noop = join(base, 'graph-noop-plugin');
generateWorkspace(noop, { withPlugin: false });
writeFileSync(join(noop, 'noop-plugin.js'), "exports.createNodesV2 = ['**/wrangler.{toml,jsonc,json}', async (files) => files.map((f) => [f, {}])];\n");
writeFileSync(join(noop, 'nx.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(noop, 'nx.json'), 'utf8')), plugins: ['./noop-plugin.js'] }));
const handwritten = join(base, 'graph-handwritten-targets');
generateWorkspace(handwritten, { withPlugin: false, handwrittenTargets: true });

for (const dir of [without, withPlugin, handwritten, noop]) timeOnce(dir); // warm the file system
const [a, b, c, n] = timeInterleaved([without, withPlugin, handwritten, noop]);
console.log(`nx show projects, 100 Workers (192 service edges), median of ${runs} interleaved rounds, cache reset each run`);
console.log(`  A  no plugin, no targets:                       ${a.toFixed(0)} ms`);
console.log(`  C  no plugin, the same targets+edges by hand:   ${c.toFixed(0)} ms`);
console.log(`  N  a no-op plugin (Nx's cost of any plugin):    ${n.toFixed(0)} ms`);
console.log(`  B  nx-edge plugin inferring them:               ${b.toFixed(0)} ms`);
console.log(`  B/A = ${(b / a).toFixed(3)}× (+${(((b - a) / a) * 100).toFixed(1)}% over an empty graph; target ≤ 10%)`);
console.log(`  B/C = ${(b / c).toFixed(3)}× (+${(((b - c) / c) * 100).toFixed(1)}% over the same targets by hand)`);
const vsNoop = ((b - n) / n) * 100;
console.log(`  B/N = ${(b / n).toFixed(3)}× (${vsNoop >= 0 ? `+${vsNoop.toFixed(1)}% over` : `${(-vsNoop).toFixed(1)}% less than`} a plugin that does nothing)`);

// The brownfield fixture (e2e/support/brownfield-fixture.mjs): a pnpm monorepo of ~80 Workers grown
// without Nx — package.json per Worker, scripts, cycles, broken configs, a template. `nx show
// projects` with and without the plugin: time and the peak RSS of Nx and all its processes.
const { writeBrownfieldFixture } = await import('../e2e/support/brownfield-fixture.mjs');
const { spawn } = await import('node:child_process');
const { readdirSync, rmSync, symlinkSync } = await import('node:fs');

function brownfield(dir, withPlugin) {
  rmSync(dir, { recursive: true, force: true });
  const fixture = writeBrownfieldFixture(dir);
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'nx.json'), JSON.stringify({ analytics: false, ...(withPlugin ? { plugins: ['@aero/nx-edge'] } : {}) }));
  return fixture;
}

/** Sum of VmRSS over a process and its descendants (Linux /proc), in MB. */
function treeRssMb(pid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const fields = procStat(name);
    if (!fields) continue;
    const ppid = Number(fields[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    try {
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    } catch {}
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

function showProjects(dir) {
  nx(dir, ['reset', '--only-cache']);
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'nx'), ['show', 'projects'], { cwd: dir, env: NX_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let peak = 0;
    child.stdout.on('data', (d) => (out += d));
    const sampler = setInterval(() => (peak = Math.max(peak, treeRssMb(child.pid))), 20);
    child.on('close', (code) => {
      clearInterval(sampler);
      if (code !== 0) return reject(new Error(`nx show projects failed in ${dir}`));
      resolve({ ms: performance.now() - start, rss: peak, projects: out.split('\n').filter(Boolean).length });
    });
  });
}

const bfWith = join(base, 'brownfield-with-plugin');
const bfWithout = join(base, 'brownfield-without-plugin');
const fixture = brownfield(bfWith, true);
brownfield(bfWithout, false);
await showProjects(bfWith);
await showProjects(bfWithout);
/** @type {{ with: number[], without: number[] }} */
const samples = { with: [], without: [] };
for (let i = 0; i < runs; i++) {
  samples.without.push(await showProjects(bfWithout));
  samples.with.push(await showProjects(bfWith));
}
const summary = (list) => ({ ms: median(list.map((s) => s.ms)), rss: median(list.map((s) => s.rss)), projects: list[0].projects });
const w = summary(samples.with);
const wo = summary(samples.without);
console.log(`\nbrownfield fixture (${fixture.validProjects.length + fixture.brokenProjects.length} Workers, pnpm workspace), nx show projects, median of ${runs}, cache reset each run`);
console.log(`  without the plugin: ${wo.ms.toFixed(0)} ms, peak RSS ${wo.rss.toFixed(0)} MB (Nx and its plugin workers), ${wo.projects} projects (Nx sees only the package.json workspaces)`);
console.log(`  with nx-edge:       ${w.ms.toFixed(0)} ms, peak RSS ${w.rss.toFixed(0)} MB, ${w.projects} projects`);
console.log(`  time ${(w.ms / wo.ms).toFixed(2)}×, RSS ${(w.rss / wo.rss).toFixed(2)}×`);
