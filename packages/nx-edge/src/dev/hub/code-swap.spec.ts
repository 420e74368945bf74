import type { Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import type { WorkerConfig } from '../../config/wrangler-config';
import { swapPlan, swappableScript } from './code-swap';

const metafile = (exports: string[], imports: { path: string; external?: boolean }[] = []): Metafile =>
  ({ inputs: {}, outputs: { '.nx-edge/dev/workers/api/index.js': { exports, imports: imports.map((i) => ({ kind: 'import-statement', ...i })), inputs: {}, bytes: 1 } } }) as unknown as Metafile;
const bundle = '/ws/.nx-edge/dev/workers/api/index.js';

describe('swapPlan: which Workers reload in place', () => {
  it('a Worker with bindings and named entrypoints is swapped; its builtin imports are kept for the shell', () => {
    const config: WorkerConfig = { name: 'api', kv_namespaces: [{ binding: 'KV', id: 'k' }], durable_objects: { bindings: [{ name: 'ROOMS', class_name: 'Room', script_name: 'chat' }] } };
    expect(swapPlan(config, metafile(['default', 'Admin'], [{ path: 'node:buffer', external: true }, { path: 'cloudflare:workers', external: true }, { path: 'src/x.ts' }]), bundle)).toEqual({
      swappable: true,
      exports: ['Admin', 'default'],
      externals: ['cloudflare:workers', 'node:buffer'],
    });
  });

  it('Durable Object and Workflow hosts restart, naming the class', () => {
    expect(swapPlan({ name: 'chat', durable_objects: { bindings: [{ name: 'ROOMS', class_name: 'Room' }] } }, metafile(['default', 'Room']), bundle)).toEqual({ swappable: false, reason: 'it hosts Durable Object Room' });
    expect(swapPlan({ name: 'chat', migrations: [{ tag: 'v1', new_classes: ['Room'] }] }, metafile(['default', 'Room']), bundle)).toEqual({ swappable: false, reason: 'it declares Durable Object migrations' });
    expect(swapPlan({ name: 'flows', workflows: [{ binding: 'SIGNUP', name: 'signup', class_name: 'Signup' }] }, metafile(['default', 'Signup']), bundle)).toEqual({ swappable: false, reason: 'it hosts Workflow Signup' });
  });

  it('a bundle importing a separate module (wasm, data) restarts', () => {
    expect(swapPlan({ name: 'api' }, metafile(['default'], [{ path: './1a2b3c4d-add.wasm', external: true }]), bundle)).toEqual({ swappable: false, reason: 'it imports the module ./1a2b3c4d-add.wasm' });
  });

  it('a bundle with top-level await cannot be evaluated in place, and says so', async () => {
    expect(await swappableScript('export default { fetch() {} };')).toHaveProperty('script');
    const awaiting = await swappableScript('const x = await Promise.resolve(1); export default { fetch() { return x; } };');
    expect(awaiting).toEqual({ reason: expect.stringMatching(/^its bundle cannot be evaluated in place \(Top-level await/) });
  });
});
