import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordInterruptedDeploy, type InterruptedDeploy } from './interrupted-deploy';
import type { RunWrangler } from '../wrangler/wrangler-cli';

const listing = (versionId: string) => JSON.stringify([{ id: 'd1', created_on: '2026-12-02T00:00:00Z', versions: [{ version_id: versionId, percentage: 100 }] }]);

describe('an interrupted deploy is recorded with what the API says is live', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'nx-edge-interrupted-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const ctx = (over: Partial<InterruptedDeploy> = {}): InterruptedDeploy => ({
    stage: 'uploading',
    worker: 'c-staging',
    env: 'staging',
    bundleConfig: '/ws/dist/apps/c/wrangler.json',
    bundleDir: '/ws/dist/apps/c',
    hasEnvironments: true,
    before: { known: true, version: 'aaaaaaaa-1111' },
    project: 'c',
    historyFile: join(dir, 'deployments.jsonl'),
    signal: 'SIGINT',
    ...over,
  });
  const wrangler = (stdout: string, code = 0): { run: RunWrangler; calls: string[][] } => {
    const calls: string[][] = [];
    return { calls, run: async (args) => (calls.push(args), { code, stdout, stderr: code ? 'This Worker does not exist on your account. [code: 10007]' : '' }) };
  };
  const recorded = () => readFileSync(join(dir, 'deployments.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

  it('the previous version still serving: nothing changed', async () => {
    const { run, calls } = wrangler(listing('aaaaaaaa-1111'));
    const record = await recordInterruptedDeploy(ctx(), { runWrangler: run });
    expect(calls[0].slice(0, 2)).toEqual(['deployments', 'list']);
    expect(record).toMatchObject({ result: 'failed', live: 'previous', liveVersion: 'aaaaaaaa-1111', reason: 'interrupted by SIGINT during the deploy' });
    expect(recorded()).toEqual([record]);
  });

  it('the new version already serving: said so, and that it was not health-checked', async () => {
    const { run } = wrangler(listing('bbbbbbbb-2222'));
    const record = await recordInterruptedDeploy(ctx({ stage: 'health-check' }), { runWrangler: run });
    expect(record).toMatchObject({ live: 'new', liveVersion: 'bbbbbbbb-2222', reason: 'interrupted by SIGINT during the deploy: the new version is live, not health-checked' });
  });

  it('a Worker that does not exist (a first deploy cut short): nothing is live', async () => {
    const { run } = wrangler('', 1);
    expect(await recordInterruptedDeploy(ctx({ before: { known: true } }), { runWrangler: run })).toMatchObject({ live: 'none' });
  });
});
