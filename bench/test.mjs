#!/usr/bin/env node
// bench/test: 20 spec files × 5 tests against one Worker (KV + D1), run by
//   ours:   vitest in Node, each file starting the Worker in workerd with startWorker (@aero/nx-edge/testing)
//   anchor: the same suite on Cloudflare's vitest integration (@cloudflare/vitest-pool-workers)
// in one run, printing total wall time, per-file time and the ratio. Usage: node bench/test.mjs (BENCH_FILES=n to change the file count).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FILES = Number(process.env.BENCH_FILES ?? 20);
const TESTS = 5;
const root = mkdtempSync(join(tmpdir(), 'bench-test-'));
const write = (path, text) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
};
symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
write('nx.json', '{}');
for (const kind of ['ours', 'anchor']) {
  write(`${kind}/wrangler.json`, JSON.stringify({ name: 'api', main: 'src/index.ts', compatibility_date: '2026-04-20', compatibility_flags: ['nodejs_compat'], kv_namespaces: [{ binding: 'KV', id: 'kv' }] }));
  write(`${kind}/src/index.ts`, `export default {
  async fetch(request: Request, env: any) {
    const key = new URL(request.url).pathname;
    if (request.method === 'PUT') { await env.KV.put(key, await request.text()); return new Response('ok'); }
    return new Response((await env.KV.get(key)) ?? 'none');
  },
};
`);
}
// Ours runs with the config the test executor uses when a project has none (isolate: false).
const executorConfig = join(repoRoot, 'packages/nx-edge/src/executors/test/default-vitest.config.mjs');
write('ours/vitest.config.mjs', `import base from ${JSON.stringify(executorConfig)};
export default { ...base, test: { ...base.test, include: ['test/**/*.spec.ts'] } };
`);
write('anchor/vitest.config.mjs', `import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
export default { plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.json' } })], test: { include: ['test/**/*.spec.ts'] } };
`);
const tests = (fetchExpr) =>
  Array.from({ length: TESTS }, (_, i) => `  it('round trip ${i}', async () => {
    await ${fetchExpr}('http://x/k${i}', { method: 'PUT', body: 'v${i}' });
    expect(await (await ${fetchExpr}('http://x/k${i}')).text()).toBe('v${i}');
  });`).join('\n');
// The TypeScript source (vitest transforms it), so a concurrent rebuild of dist/ cannot race the bench.
const startWorkerPath = join(repoRoot, 'packages/nx-edge/src/testing/start-worker.ts');
for (let f = 0; f < FILES; f++) {
  write(`ours/test/f${f}.spec.ts`, `import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker } from ${JSON.stringify(startWorkerPath)};
let worker: any;
beforeAll(async () => { worker = await startWorker({ projectRoot: ${JSON.stringify(join(root, 'ours'))} }); }, 60_000);
afterAll(() => worker?.dispose());
describe('f${f}', () => {
${tests('worker.fetch')}
});
`);
  write(`anchor/test/f${f}.spec.ts`, `import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
describe('f${f}', () => {
${tests('SELF.fetch')}
});
`);
}

function run(kind) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [join(repoRoot, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=dot'], { cwd: join(root, kind), encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    console.error(`${kind} failed:\n${result.stdout}\n${result.stderr}`);
    process.exitCode = 1;
  }
  return seconds;
}
try {
  const ours = run('ours');
  const anchor = run('anchor');
  console.log(`bench/test: ${FILES} files × ${TESTS} tests`);
  console.log(`  startWorker (Node + workerd): ${ours.toFixed(1)} s total, ${(ours / FILES).toFixed(2)} s per file`);
  console.log(`  vitest-pool-workers (anchor): ${anchor.toFixed(1)} s total, ${(anchor / FILES).toFixed(2)} s per file`);
  console.log(`  ratio ours/anchor: ${(ours / anchor).toFixed(2)}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
