import { formatMonitorTable } from '../cli/commands/monitor';
import { describe, expect, it } from 'vitest';
import type { DeploymentRecord } from '../deploy/deploy-history';
import { monitorTargets, observe, transitions, type MonitorDeps, type Observation } from './service-monitor';

const record = (over: Partial<DeploymentRecord>): DeploymentRecord => ({ time: '2026-12-01T00:00:00.000Z', project: 'api', worker: 'api-staging', env: 'staging', result: 'deployed', ...over });

describe('monitor', () => {
  it("checks each project's newest deployed (or rolled-back) Worker of the env, optionally some projects only", () => {
    const records = [
      record({ project: 'api', versionId: 'v1', url: 'https://api-staging.acme.workers.dev' }),
      record({ project: 'users', worker: 'users-staging', versionId: 'u1' }),
      record({ project: 'api', versionId: 'v2' }),
      record({ project: 'api', result: 'failed', versionId: 'v3' }),
      record({ project: 'users', worker: 'users-staging', result: 'rolled-back', versionId: 'u2', rolledBackTo: 'u1' }),
      record({ project: 'api', env: 'production', worker: 'api', versionId: 'p1' }),
    ];
    expect(monitorTargets(records, 'staging')).toEqual([
      { project: 'api', worker: 'api-staging', env: 'staging', url: undefined, recordedVersion: 'v2', dispatchNamespace: undefined },
      { project: 'users', worker: 'users-staging', env: 'staging', url: undefined, recordedVersion: 'u1', dispatchNamespace: undefined },
    ]);
    expect(monitorTargets(records, 'staging', ['users']).map((t) => t.project)).toEqual(['users']);
    expect(monitorTargets(records, '')).toEqual([]);
  });

  it('healthy needs /health 2xx and /ready 2xx or absent (404); says which failed; reads the live version from wrangler', async () => {
    const answers: Record<string, number> = { '/api-staging/health': 200, '/api-staging/ready': 404, '/users-staging/health': 200, '/users-staging/ready': 503, '/db-staging/health': 500 };
    const calls: string[][] = [];
    const deps: MonitorDeps = {
      fetch: (async (url: string) => new Response('x', { status: answers[new URL(url).pathname] ?? 599 })) as typeof fetch,
      runWrangler: async (args) => {
        calls.push(args);
        return { code: 0, stdout: JSON.stringify([{ created_on: '2026-12-01T00:00:00Z', versions: [{ version_id: `${args[3]}-live`, percentage: 100 }] }]), stderr: '' };
      },
      cwd: '/ws',
      baseUrlOverride: 'http://127.0.0.1:1/{worker}',
      timeoutMs: 1000,
    };
    const api = await observe({ project: 'api', worker: 'api-staging', env: 'staging', recordedVersion: 'api-staging-live' }, deps);
    expect(api).toMatchObject({ healthy: true, health: 'HTTP 200', ready: 'none', liveVersion: 'api-staging-live', recordedVersion: 'api-staging-live' });
    expect(await observe({ project: 'users', worker: 'users-staging', env: 'staging' }, deps)).toMatchObject({ healthy: false, ready: 'HTTP 503', problem: 'GET /ready → HTTP 503' });
    expect(await observe({ project: 'db', worker: 'db-staging', env: 'staging' }, deps)).toMatchObject({ healthy: false, problem: 'GET /health → HTTP 500' });
    expect(calls[0]).toEqual(['deployments', 'list', '--name', 'api-staging', '--json']);
    const noUrl = await observe({ project: 'ns', worker: 'ns-script', env: 'staging', dispatchNamespace: 'customers' }, { ...deps, baseUrlOverride: undefined });
    expect(noUrl).toMatchObject({ healthy: false, health: 'no URL', problem: expect.stringContaining('no URL to check') });
  });

  it('during a gradual rollout shows both versions with their shares, the rolled-out one counting as what nx-edge deployed', async () => {
    const deps: MonitorDeps = {
      fetch: async () => new Response('ok'),
      runWrangler: async () => ({ code: 0, stdout: JSON.stringify([{ created_on: '2026-12-01T01:00:00Z', versions: [{ version_id: 'aaaaaaaa-new', percentage: 10 }, { version_id: 'bbbbbbbb-old', percentage: 90 }] }, { created_on: '2026-12-01T00:00:00Z', versions: [{ version_id: 'bbbbbbbb-old', percentage: 100 }] }]), stderr: '' }),
      cwd: '/ws',
      baseUrlOverride: 'http://127.0.0.1:1/{worker}',
      timeoutMs: 1000,
    };
    const seen = await observe({ project: 'api', worker: 'api-production', env: 'production', recordedVersion: 'aaaaaaaa-new' }, deps);
    expect(seen.liveSplit).toEqual([{ versionId: 'aaaaaaaa-new', percentage: 10 }, { versionId: 'bbbbbbbb-old', percentage: 90 }]);
    expect(formatMonitorTable([seen]).split('\n')[2]).toMatch(/^api +\| api-production \| HTTP 200 \| HTTP 200 \| \d+ ms +\| aaaaaaaa 10 %, bbbbbbbb 90 % \| same$/);
  });

  it('reports changes between rounds only', () => {
    const o = (project: string, healthy: boolean): Observation => ({ project, worker: `${project}-staging`, healthy, health: healthy ? 'HTTP 200' : 'HTTP 503', ready: 'none', problem: healthy ? undefined : 'GET /health → HTTP 503' });
    const before = new Map([['api', o('api', true)], ['users', o('users', false)]]);
    expect(transitions(before, [o('api', false), o('users', true), o('new', false)], 'staging', Date.UTC(2026, 11, 1))).toEqual([
      { project: 'api', worker: 'api-staging', env: 'staging', from: 'healthy', to: 'unhealthy', detail: 'GET /health → HTTP 503', time: '2026-12-01T00:00:00.000Z' },
      { project: 'users', worker: 'users-staging', env: 'staging', from: 'unhealthy', to: 'healthy', detail: 'GET /health → HTTP 200', time: '2026-12-01T00:00:00.000Z' },
    ]);
  });
});
