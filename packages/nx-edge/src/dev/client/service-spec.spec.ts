import { describe, expect, it } from 'vitest';
import { buildServiceSpec, upstreamOf, type GraphView } from './service-spec';

const graph: GraphView = {
  nodes: {
    api: { data: { root: 'apps/api', targets: { dev: { executor: '@aero/nx-edge:dev' } } } },
    users: { data: { root: 'apps/users', targets: { dev: { executor: '@aero/nx-edge:dev' } } } },
    db: { data: { root: 'libs/db', targets: { test: { executor: '@aero/nx-edge:test' } } } },
    postgres: { data: { root: 'tools/postgres', targets: { serve: { executor: '@aero/nx-edge:service' } } } },
    util: { data: { root: 'libs/util' } },
  },
  dependencies: {
    api: [{ target: 'users' }, { target: 'db' }, { target: 'npm:hono' }],
    db: [{ target: 'postgres' }, { target: 'util' }],
    users: [],
    util: [{ target: 'db' }],
  },
};

describe('service spec from the project graph', () => {
  it('upstream services are found directly and through libs; libs are watched', () => {
    expect(upstreamOf(graph, 'api')).toEqual({ services: ['postgres', 'users'], libRoots: ['libs/db', 'libs/util'], libs: ['db', 'util'] });
    expect(upstreamOf(graph, 'users')).toEqual({ services: [], libRoots: [], libs: [] });
  });

  it('builds absolute paths for the hub', () => {
    const spec = buildServiceSpec({ workspaceRoot: '/ws', project: 'api', graph, kind: 'worker', worker: { configPath: '/ws/apps/api/wrangler.jsonc' }, watch: ['shared/schema.graphql'] });
    expect(spec).toMatchObject({
      service: 'api',
      root: '/ws/apps/api',
      upstream: ['postgres', 'users'],
      watch: ['/ws/apps/api', '/ws/libs/db', '/ws/libs/util', '/ws/shared/schema.graphql'],
      worker: { configPath: '/ws/apps/api/wrangler.jsonc' },
    });
    const service = buildServiceSpec({ workspaceRoot: '/ws', project: 'postgres', graph, kind: 'service', port: 5432, command: { command: 'pglite-server' } });
    expect(service.kind === 'service' && service.command).toEqual({ command: 'pglite-server', cwd: '/ws/tools/postgres', env: {} });
    expect(service.port).toBe(5432);
  });
});
