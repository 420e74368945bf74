import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { workerSessionPlan, type PlanContext } from './session-plan';

describe('workerSessionPlan', () => {
  let ws: string;
  afterEach(() => rmSync(ws, { recursive: true, force: true }));

  it('lists the Worker of every dev task in the run with its configuration and flags, and nothing else', () => {
    ws = mkdtempSync(join(tmpdir(), 'nx-edge-plan-'));
    for (const name of ['api', 'users']) {
      mkdirSync(join(ws, 'apps', name), { recursive: true });
      writeFileSync(join(ws, 'apps', name, 'wrangler.jsonc'), '{}');
    }
    const dev = { executor: '@aero/nx-edge:dev', options: { port: 8000 }, configurations: { staging: { env: 'staging' } } };
    const context: PlanContext = {
      root: ws,
      projectGraph: {
        nodes: {
          api: { data: { root: 'apps/api', targets: { dev } } },
          users: { data: { root: 'apps/users', targets: { dev } } },
          mailer: { data: { root: 'apps/mailer', targets: { dev: { executor: '@aero/nx-edge:service' } } } },
        },
        dependencies: { api: [{ target: 'users' }, { target: 'mailer' }], users: [], mailer: [] },
      },
      projectsConfigurations: {
        projects: {
          api: { root: 'apps/api', targets: { dev } },
          users: { root: 'apps/users', targets: { dev } },
          mailer: { root: 'apps/mailer', targets: { dev: { executor: '@aero/nx-edge:service', options: { command: 'node x' } } } },
        },
      },
      taskGraph: {
        tasks: {
          'api:dev:staging': { target: { project: 'api', target: 'dev', configuration: 'staging' }, overrides: { port: 9000, __overrides_unparsed__: ['--port=9000'] } },
          'users:dev': { target: { project: 'users', target: 'dev' } },
          'mailer:dev': { target: { project: 'mailer', target: 'dev' } },
        },
      },
    };
    const plan = workerSessionPlan(context);
    expect(plan.map((s) => s.service)).toEqual(['api', 'users']);
    const api = plan[0];
    expect(api).toMatchObject({ kind: 'worker', port: 9000, upstream: ['mailer', 'users'], worker: { configPath: join(ws, 'apps/api/wrangler.jsonc'), environment: 'staging' } });
    expect(plan[1]).toMatchObject({ port: 8000, worker: { environment: undefined } });
  });
});
