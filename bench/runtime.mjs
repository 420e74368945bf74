// bench/runtime: requests/s and p99 of a trivial Worker in workerd, with and without withEdge
// (trace context, response headers, metrics, console capture). autocannon against Miniflare's own
// port on 127.0.0.1, bounded duration, alternating rounds to spread machine noise.
// Medians across rounds. Run: npm run build:packages && node bench/runtime.mjs [seconds=5] [rounds=5]
// First, scrubbing cost per kB at 1 kB / 100 kB / 2 MB (flat = linear time).
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

// Scrubbing: µs per kB of adversarial text (the shapes that made the old regex scrubber quadratic) must stay
// flat from 1 kB to 2 MB. Best of 5 runs per size, after a warm-up.
const { scrubText } = await import(join(REPO_ROOT, 'packages/edge-runtime/dist/index.js'));
const scrubShapes = ['a', 'a@', '4 ', 'ab.c@d.ef x '];
console.log('scrubText, adversarial text (runs of letters, many @, digit runs, dense emails), best of 5 (small sizes repeated to 2 MB):');
for (const size of [1_000, 100_000, 2_000_000]) {
  const cells = [];
  for (const unit of scrubShapes) {
    const text = unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
    for (let i = 0; i < 50; i++) scrubText(text.slice(0, 1000)); // warm the JIT first
    // Small texts are repeated until 2 MB went through, so every size is timed over the same volume.
    const repeats = Math.max(1, Math.round(2_000_000 / size));
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
      const start = performance.now();
      for (let i = 0; i < repeats; i++) scrubText(text, { secretValues: ['sk_live_very_secret_value'] });
      best = Math.min(best, (performance.now() - start) / repeats);
    }
    cells.push({ unit, ms: best });
  }
  const worst = cells.reduce((a, b) => (b.ms > a.ms ? b : a));
  console.log(`  ${String(size / 1000).padStart(5)} kB: worst ${worst.ms.toFixed(2)} ms (${JSON.stringify(worst.unit)}), ${((worst.ms * 1000) / (size / 1000)).toFixed(1)} µs/kB; ` +
    cells.map((c) => `${JSON.stringify(c.unit)} ${((c.ms * 1000) / (size / 1000)).toFixed(1)}`).join(', ') + ' µs/kB');
}

/** @type {{ plain: { rps: number, p99: number, errors: number }[], wrapped: { rps: number, p99: number, errors: number }[] }} */
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
