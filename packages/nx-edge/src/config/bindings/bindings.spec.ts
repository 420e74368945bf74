import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import bindingSchema from '../../generators/binding/schema.json';
import { remoteOnlyBindings } from '../../dev/hub/remote-only';
import { localWorkerOptions } from '../../local/worker-options';
import { startWorker, type RunningWorker } from '../../testing/start-worker';
import type { WorkerConfig } from '../wrangler-config';
import { workerReferences } from '../worker-references';
import { BINDING_KINDS, GENERATED_KINDS } from '.';

/** Writes a generator entry at its path, as the binding generator does. */
function withEntry(path: string[], item: Record<string, unknown>): WorkerConfig {
  const section: Record<string, unknown> = {};
  let at = section;
  path.slice(0, -1).forEach((key) => (at = (at[key] = {}) as Record<string, unknown>));
  at[path[path.length - 1]] = [item];
  return section;
}

describe('the binding catalogue', () => {
  it('the binding generator offers exactly the kinds that say how to write themselves', () => {
    expect(bindingSchema.properties.type.enum.slice().sort()).toEqual(GENERATED_KINDS.map((k) => k.generator.type).sort());
  });

  it('what each kind writes, it reads back: a generated entry is a binding of that name', () => {
    for (const kind of GENERATED_KINDS) {
      const item = kind.generator.item({ binding: 'THING', kebab: 'thing', worker: 'api', className: 'Thing', service: 'users' });
      expect(kind.names(withEntry(kind.generator.path, item)), kind.key).toEqual(['THING']);
    }
    expect(new Set(BINDING_KINDS.map((k) => k.key)).size).toBe(BINDING_KINDS.length); // one home per key
  });

  it('Vectorize is remote-only: named in dev, never bound locally, its index kept per env', () => {
    const config = { name: 'api', vectorize: [{ binding: 'INDEX', index_name: 'api-index' }] } as WorkerConfig;
    expect(remoteOnlyBindings(config)).toEqual([{ binding: 'INDEX', kind: 'Vectorize index' }]);
    expect(JSON.stringify(localWorkerOptions(config, { scriptPath: 'i.js', modulesRoot: '.' }))).not.toContain('INDEX');
    const generated = GENERATED_KINDS.find((k) => k.key === 'vectorize')!.generator.item({ binding: 'INDEX', kebab: 'index', worker: 'api', env: 'staging' });
    expect(generated).toEqual({ binding: 'INDEX', index_name: 'api-index-staging' });
  });

  it('a Workflow defined by another Worker is an edge of the service graph', () => {
    const config = { name: 'api', workflows: [{ binding: 'SIGNUP', name: 'signup', class_name: 'Signup', script_name: 'flows' }] } as WorkerConfig;
    expect(workerReferences(config)).toEqual([{ kind: 'workflow', target: 'flows', binding: 'SIGNUP' }]);
  });

  describe('Workflows run locally', () => {
    let root: string | undefined;
    let worker: RunningWorker | undefined;
    afterEach(async () => {
      await worker?.dispose();
      worker = undefined;
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it('in workerd through Miniflare: an instance runs its steps to completion', async () => {
      root = mkdtempSync(join(tmpdir(), 'nx-edge-workflow-'));
      mkdirSync(join(root, 'src'));
      writeFileSync(join(root, 'nx.json'), '{}');
      writeFileSync(
        join(root, 'wrangler.json'),
        JSON.stringify({ name: 'api', main: 'src/index.ts', compatibility_date: '2026-04-20', workflows: [{ binding: 'SIGNUP', name: 'api-signup', class_name: 'Signup' }] }),
      );
      writeFileSync(
        join(root, 'src', 'index.ts'),
        `import { WorkflowEntrypoint } from 'cloudflare:workers';
export class Signup extends WorkflowEntrypoint {
  async run(event: { payload: { user: string } }, step: any) {
    const greeting = await step.do('greet', async () => 'welcome ' + event.payload.user);
    return { greeting };
  }
}
export default {
  async fetch(request: Request, env: any) {
    const url = new URL(request.url);
    if (url.pathname === '/start') return Response.json({ id: (await env.SIGNUP.create({ params: { user: 'ada' } })).id });
    return Response.json(await (await env.SIGNUP.get(url.searchParams.get('id'))).status());
  },
};
`,
      );
      worker = await startWorker({ projectRoot: root });
      const { id } = (await (await worker.fetch('/start')).json()) as { id: string };
      let status: { status: string; output?: unknown } = { status: 'queued' };
      for (let i = 0; i < 100 && status.status !== 'complete' && status.status !== 'errored'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await (await worker.fetch(`/status?id=${id}`)).json()) as typeof status;
      }
      expect(status).toMatchObject({ status: 'complete', output: { greeting: 'welcome ada' } });
    }, 60_000);
  });
});
