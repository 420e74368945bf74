// bench/runtime: requests/s and p99 of a trivial Worker in workerd, with and without withEdge
// (trace context, response headers, metrics, console capture). autocannon against Miniflare's own
// port on 127.0.0.1, bounded duration, alternating rounds to spread machine noise.
// Medians across rounds. Run: npm run build:packages && node bench/runtime.mjs [seconds=5] [rounds=5]
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import autocannon from 'autocannon';
import { join } from 'node:path';
import { REPO_ROOT } from './lib/workspace.mjs';

const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 5);

async function bundle(source) {
  const result = await build({
    stdin: { contents: source, resolveDir: join(REPO_ROOT, 'packages/edge-runtime'), loader: 'js' },
    bundle: true, format: 'esm', platform: 'neutral', external: ['node:*'], write: false,
  });
  return result.outputFiles[0].text;
}

const plain = await bundle(`export default { fetch: () => Response.json({ ok: true }) };`);
const wrapped = await bundle(`import { withEdge } from './dist/index.js';\nexport default withEdge({ fetch: () => Response.json({ ok: true }) }, { service: 'bench' });`);

async function serve(script) {
  const mf = new Miniflare({ modules: true, script, cf: false, host: '127.0.0.1', port: 0, compatibilityDate: '2026-04-20', compatibilityFlags: ['nodejs_compat'] });
  return { mf, url: (await mf.ready).toString() };
}

function load(url) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: 10, duration: seconds }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

const runs = { plain: [], wrapped: [] };
for (let r = 0; r < rounds; r++) {
  // Alternate which goes first: on 2 cores autocannon and workerd compete, and order matters.
  const order = r % 2 ? [['wrapped', wrapped], ['plain', plain]] : [['plain', plain], ['wrapped', wrapped]];
  for (const [name, script] of order) {
    const { mf, url } = await serve(script);
    await load(url); // warm-up, not counted
    const result = await load(url);
    runs[name].push({ rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx });
    await mf.dispose();
  }
}
const avg = (xs, key) => {
  const sorted = xs.map((x) => x[key]).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]; // median across rounds
};
const p = { rps: avg(runs.plain, 'rps'), p99: avg(runs.plain, 'p99') };
const w = { rps: avg(runs.wrapped, 'rps'), p99: avg(runs.wrapped, 'p99') };
console.log(`trivial Worker in workerd, ${rounds} rounds × ${seconds} s, 10 connections`);
console.log(`  without withEdge: ${p.rps.toFixed(0)} req/s, p99 ${p.p99.toFixed(1)} ms`);
console.log(`  with withEdge:    ${w.rps.toFixed(0)} req/s, p99 ${w.p99.toFixed(1)} ms`);
console.log(`  throughput ratio: ${(w.rps / p.rps).toFixed(3)}× (overhead ${((1 - w.rps / p.rps) * 100).toFixed(1)}%; target ≤ 10%)`);
console.log(`  errors: ${[...runs.plain, ...runs.wrapped].reduce((s, x) => s + x.errors, 0)}`);
