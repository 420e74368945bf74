import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendDeploymentRecord, filterRecords, formatHistoryTable, readDeploymentRecords, reasonLine, summaryLine, type DeploymentRecord } from './deploy-history';
import { currentVersionFromDeployments, parseWranglerOutput } from '../wrangler/wrangler-output';

const record = (over: Partial<DeploymentRecord>): DeploymentRecord => ({ time: '2026-11-24T08:00:00.000Z', project: 'c', worker: 'c-staging', env: 'staging', result: 'deployed', ...over });

describe('deployment history', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('appends JSON lines and skips a line cut by a crash', () => {
    dir = mkdtempSync(join(tmpdir(), 'nx-edge-history-'));
    const file = join(dir, '.nx-edge', 'deployments.jsonl');
    appendDeploymentRecord(file, record({ runId: 'r1', versionId: 'aaaaaaaa-1' }));
    writeFileSync(file, '{"broken', { flag: 'a' });
    writeFileSync(file, '\n', { flag: 'a' });
    appendDeploymentRecord(file, record({ runId: 'r2', project: 'b', result: 'failed', reason: 'boom' }));
    appendDeploymentRecord(file, record({ runId: 'r2', project: 'a', result: 'not-deployed', reason: 'depends on b, which failed' }));
    const all = readDeploymentRecords(file);
    expect(all.map((r) => r.project)).toEqual(['c', 'b', 'a']);
    expect(filterRecords(all, { lastRun: true }).map((r) => r.result)).toEqual(['failed', 'not-deployed']);
    expect(formatHistoryTable(all).split('\n')[0]).toMatch(/^time\s+service\s+env\s+result\s+version\s+live after\s+git\s+url \/ reason$/);
  });

  it('--last-run keeps only the newest contiguous run (an old run with a reused id stays out)', () => {
    const all = [record({ runId: 'r1', project: 'c' }), record({ runId: 'r2', project: 'b' }), record({ runId: 'r1', project: 'c', result: 'failed' }), record({ runId: 'r1', project: 'b', result: 'not-deployed' })];
    expect(filterRecords(all, { lastRun: true }).map((r) => [r.project, r.result])).toEqual([
      ['c', 'failed'],
      ['b', 'not-deployed'],
    ]);
  });

  it('keeps the problem list of a failure in its one-line reason', () => {
    const message = 'apps/c/wrangler.jsonc: cannot deploy env "staging" — 1 binding problem, nothing was uploaded:\n  - kv_namespaces binding "CACHE" in [env.staging] has no KV namespace id.';
    expect(reasonLine(message)).toBe('apps/c/wrangler.jsonc: cannot deploy env "staging" — 1 binding problem, nothing was uploaded: kv_namespaces binding "CACHE" in [env.staging] has no KV namespace id.');
  });

  it('says in one line what happened to each service', () => {
    expect(summaryLine(record({ versionId: '12345678-aaaa', url: 'https://c-staging.x.workers.dev' }))).toBe('✔ c (staging) deployed: version 12345678 c-staging → https://c-staging.x.workers.dev');
    expect(summaryLine(record({ project: 'a', result: 'not-deployed', reason: 'depends on b, which failed' }))).toBe('– a (staging) not deployed: depends on b, which failed');
  });
});

describe("wrangler's machine-readable output", () => {
  it('reads the deploy line: worker, version id, URLs', () => {
    const text = [
      '{"type":"wrangler-session","version":1}',
      '{"type":"deploy","version":1,"worker_name":"c-staging","version_id":"v-2","targets":["https://c-staging.x.workers.dev"],"wrangler_environment":"staging"}',
      'not json',
    ].join('\n');
    expect(parseWranglerOutput(text)).toEqual([{ workerName: 'c-staging', versionId: 'v-2', targets: ['https://c-staging.x.workers.dev'], environment: 'staging' }]);
  });

  it('finds the version live at 100% in the newest deployment', () => {
    const json = JSON.stringify([
      { created_on: '2026-11-24T08:00:00Z', versions: [{ version_id: 'old', percentage: 100 }] },
      { created_on: '2026-11-24T09:00:00Z', versions: [{ version_id: 'new', percentage: 100 }] },
    ]);
    expect(currentVersionFromDeployments(json)).toBe('new');
    expect(currentVersionFromDeployments('garbage')).toBeUndefined();
  });
});
