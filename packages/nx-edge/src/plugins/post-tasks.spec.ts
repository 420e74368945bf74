import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendDeploymentRecord } from '../deploy/deploy-history';
import { runSummary } from './post-tasks';

describe('run summary', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const task = (project: string, target: string, status = 'success') => ({ task: { target: { project, target }, outputs: [`dist/apps/${project}`] }, status });
  const names = { build: 'build', deploy: 'deploy' };

  it('lists each built Worker\'s size (also from the cache) and this run\'s deploys; nothing for a single task', () => {
    root = mkdtempSync(join(tmpdir(), 'nx-edge-summary-'));
    for (const [project, gzip] of [['api', 5000], ['users', 300]] as const) {
      mkdirSync(join(root, 'dist/apps', project), { recursive: true });
      writeFileSync(join(root, 'dist/apps', project, 'size-report.json'), JSON.stringify({ worker: project, raw: gzip * 3, gzip, budget: 10 * 1024 * 1024 }));
    }
    const since = Date.now();
    appendDeploymentRecord(join(root, '.nx-edge/deployments.jsonl'), { time: new Date(since - 60_000).toISOString(), project: 'api', worker: 'api', env: '', result: 'deployed' });
    appendDeploymentRecord(join(root, '.nx-edge/deployments.jsonl'), { time: new Date(since + 10).toISOString(), project: 'api', worker: 'api-staging', env: 'staging', result: 'deployed', versionId: 'abcdef0123', url: 'https://api-staging.acme.workers.dev' });
    const lines = runSummary([task('api', 'build', 'local-cache'), task('users', 'build'), task('api', 'deploy'), task('users', 'test')], root, names, since);
    expect(lines).toEqual([
      'nx-edge: 2 Workers built',
      '  api     14.65 KiB   gzip 4.88 KiB   <1% of the 10.00 MiB budget',
      '  users       900 B      gzip 300 B   <1% of the 10.00 MiB budget',
      "nx-edge: this run's deploys (npx nx-edge history --last-run)",
      '  ✔ api (staging) deployed: version abcdef01 api-staging → https://api-staging.acme.workers.dev',
    ]);
    expect(runSummary([task('api', 'build')], root, names, since)).toEqual([]);
    expect(runSummary([task('api', 'test'), task('users', 'test')], root, names, since)).toEqual([]);
  });
});
