import { describe, expect, it } from 'vitest';
import { localWorkerOptions } from './worker-options';

describe('localWorkerOptions', () => {
  it('maps a wrangler config onto Miniflare options, .dev.vars over vars', () => {
    const options = localWorkerOptions(
      {
        name: 'users',
        compatibility_date: '2026-04-20',
        compatibility_flags: ['nodejs_compat'],
        vars: { MODE: 'dev', TOKEN: 'placeholder' },
        kv_namespaces: [{ binding: 'KV', id: 'kv-1' }],
        d1_databases: [{ binding: 'DB', database_name: 'users-db' }],
        r2_buckets: [{ binding: 'FILES', bucket_name: 'files' }],
        services: [{ binding: 'ORDERS', service: 'orders' }],
        durable_objects: { bindings: [{ name: 'ROOM', class_name: 'Room' }, { name: 'EXT', class_name: 'Ext', script_name: 'other' }] },
      },
      { scriptPath: '/b/index.js', modulesRoot: '/b' },
      { TOKEN: 'local-secret' },
    );
    expect(options).toMatchObject({
      name: 'users',
      scriptPath: '/b/index.js',
      compatibilityFlags: ['nodejs_compat'],
      bindings: { MODE: 'dev', TOKEN: 'local-secret' },
      kvNamespaces: { KV: 'kv-1' },
      d1Databases: { DB: 'users-db' },
      r2Buckets: { FILES: 'files' },
      serviceBindings: { ORDERS: 'orders' },
      durableObjects: { ROOM: 'Room', EXT: { className: 'Ext', scriptName: 'other' } },
    });
    expect(options).not.toHaveProperty('queueProducers');
  });
});

describe('localWorkerOptions: Hyperdrive', () => {
  it("connects a Hyperdrive binding to the local database wrangler dev would use: env variable first, then localConnectionString", () => {
    const config = {
      name: 'api',
      hyperdrive: [
        { binding: 'DB', id: 'x', localConnectionString: 'postgres://u:p@127.0.0.1:5432/app' },
        { binding: 'ANALYTICS', id: 'y', localConnectionString: 'postgres://u:p@127.0.0.1:5432/a' },
        { binding: 'NONE', id: 'z' },
      ],
    };
    const options = localWorkerOptions(config, { scriptPath: '/b/index.js', modulesRoot: '/b' }, {}, { CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_ANALYTICS: 'postgres://u:p@127.0.0.1:6543/override' });
    expect(options.hyperdrives).toEqual({ DB: 'postgres://u:p@127.0.0.1:5432/app', ANALYTICS: 'postgres://u:p@127.0.0.1:6543/override' });
  });
});
