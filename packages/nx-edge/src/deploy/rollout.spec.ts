import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendDeploymentRecord, readDeploymentRecords } from './deploy-history';
import { promote, rollback } from './rollout';
import type { RunWrangler } from '../wrangler/wrangler-cli';

const NEW = '11111111-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const STABLE = '22222222-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const OLDER = '33333333-cccc-4ccc-8ccc-cccccccccccc';

describe('promote and rollback', () => {
  let dir: string;
  let file: string;
  let deployments: { created_on: string; versions: { version_id: string; percentage: number }[] }[];
  let calls: string[][];
  const lines: string[] = [];
  const runWrangler: RunWrangler = async (args) => {
    calls.push(args);
    if (args[0] === 'deployments') return { code: 0, stdout: JSON.stringify(deployments), stderr: '' };
    const specs = args.filter((a) => a.includes('@'));
    deployments.unshift({ created_on: `2026-12-02T00:00:${String(deployments.length).padStart(2, '0')}Z`, versions: specs.map((s) => ({ version_id: s.split('@')[0], percentage: Number(s.split('@')[1].replace('%', '')) })) });
    return { code: 0, stdout: '', stderr: '' };
  };
  const input = () => ({ project: 'api', env: 'production', historyFile: file, cwd: dir });
  const deps = { runWrangler, log: (l: string) => void lines.push(l) };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nx-edge-rollout-'));
    file = join(dir, 'deployments.jsonl');
    calls = [];
    deployments = [
      { created_on: '2026-12-01T10:02:00Z', versions: [{ version_id: NEW, percentage: 10 }, { version_id: STABLE, percentage: 90 }] },
      { created_on: '2026-12-01T10:01:00Z', versions: [{ version_id: STABLE, percentage: 100 }] },
      { created_on: '2026-12-01T10:00:00Z', versions: [{ version_id: OLDER, percentage: 100 }] },
    ];
    appendDeploymentRecord(file, { time: '2026-12-01T10:02:00Z', project: 'api', worker: 'api-production', env: 'production', result: 'rolling-out', versionId: NEW, percentage: 10, stableVersion: STABLE });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('promote moves the rolled-out version to 100 % by name and records it', async () => {
    const record = await promote(input(), deps);
    expect(calls[1]).toEqual(['versions', 'deploy', `${NEW}@100%`, '--name', 'api-production', '--message', 'nx-edge: promote 11111111 to 100 %', '--yes']);
    expect(record).toMatchObject({ result: 'promoted', versionId: NEW, liveVersion: NEW });
    expect(readDeploymentRecords(file).at(-1)!.result).toBe('promoted');
  });

  it('refuses, changing nothing, when the live split is not the one nx-edge set', async () => {
    deployments.unshift({ created_on: '2026-12-01T10:03:00Z', versions: [{ version_id: NEW, percentage: 50 }, { version_id: STABLE, percentage: 50 }] });
    const before = readFileSync(file, 'utf8');
    await expect(promote(input(), deps)).rejects.toThrow('api-production does not serve the split nx-edge set (11111111 at 10 %, 22222222 at 90 %) but 11111111 at 50 %, 22222222 at 50 %: it was changed outside nx-edge. Nothing changed');
    await expect(rollback(input(), deps)).rejects.toThrow('it was changed outside nx-edge');
    expect(calls.every((c) => c[0] === 'deployments')).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('rollback after a full deploy returns to the newest earlier version that served 100 %', async () => {
    await promote(input(), deps);
    const record = await rollback(input(), deps);
    expect(record).toMatchObject({ result: 'rolled-back', versionId: NEW, rolledBackTo: STABLE, reason: 'nx-edge rollback' });
    expect(deployments[0].versions).toEqual([{ version_id: STABLE, percentage: 100 }]);
    expect(lines.at(-1)).toBe('↩ api (production) rolled back: version 11111111 taken out of service by nx-edge rollback; traffic back on 22222222');
  });

  it('a split the API does not end up serving is recorded as failed, with what serves', async () => {
    const failing: RunWrangler = async (args) => (args[0] === 'deployments' ? runWrangler(args, { cwd: dir }) : { code: 1, stdout: '', stderr: '✘ [ERROR] A request to the Cloudflare API failed. (10013)' });
    await expect(promote(input(), { ...deps, runWrangler: failing })).rejects.toThrow(/nx-edge: promote 11111111 to 100 % failed for api-production: A request to the Cloudflare API failed\. \(10013\)[\s\S]*Now serving: 11111111 at 10 %, 22222222 at 90 %\./);
    expect(readDeploymentRecords(file).at(-1)).toMatchObject({ result: 'failed', project: 'api' });
  });

  it('promote without a rollout in progress names the command that starts one', async () => {
    appendDeploymentRecord(file, { time: '2026-12-01T10:05:00Z', project: 'api', worker: 'api-production', env: 'production', result: 'deployed', versionId: NEW });
    await expect(promote(input(), deps)).rejects.toThrow('api has no rollout in progress in production: nx-edge\'s last step was "✔ api (production) deployed: version 11111111 api-production". Start one with nx run api:deploy -c production --percentage=10.');
  });
});
