import { envResourceName } from '../env-names';
import type { D1Binding } from '../wrangler-config';
import { byBinding, listOf, type BindingKind } from './binding-kind';

export const d1Databases: BindingKind = {
  key: 'd1_databases',
  label: 'D1 database',
  names: (section) => listOf<D1Binding>(section, 'd1_databases').map((b) => b.binding),
  local: (section, { workerName }) => ({ d1Databases: byBinding(listOf<D1Binding>(section, 'd1_databases'), (b) => b.preview_database_id ?? b.database_id ?? b.database_name, workerName) }),
  isolated: (section) =>
    listOf<D1Binding>(section, 'd1_databases').flatMap((d) => [
      ...(d.database_name ? [{ key: 'd1_databases', binding: d.binding, value: d.database_name, what: 'D1 database', isId: false }] : []),
      ...(d.database_id ? [{ key: 'd1_databases', binding: d.binding, value: d.database_id, what: 'D1 database id', isId: true }] : []),
    ]),
  incomplete: (section) =>
    listOf<D1Binding>(section, 'd1_databases').flatMap((d) => (d.database_id?.trim() ? [] : [{ binding: d.binding ?? '(unnamed)', missing: 'D1 database_id', field: 'database_id' }])),
  generator: {
    type: 'd1',
    label: 'D1 database',
    defaultName: 'DB',
    path: ['d1_databases'],
    item: ({ binding, kebab, worker, env, databaseName, id }) => ({
      binding,
      // An env's resources get their own names (api-db-staging): never the top level's (production's).
      database_name: databaseName ?? envResourceName(`${worker}-${kebab}`, env),
      ...(id ? { database_id: id } : {}),
      migrations_dir: 'migrations',
    }),
  },
  provision: {
    resource: 'D1 database',
    createArgs: (name) => ['d1', 'create', name],
    idAfterCreate: true,
    deleteArgs: (r) => ['d1', 'delete', r.name, '--skip-confirmation'],
    async find(value, ctx) {
      const account = ctx.json<{ uuid: string; name: string }[]>(await ctx.wrangler(['d1', 'list', '--json'], 'wrangler d1 list'), 'the D1 databases');
      const found = account.find((d) => d.uuid === value) ?? account.find((d) => d.name === value);
      return found && { id: found.uuid, name: found.name };
    },
    importWrites(section, binding, found, ctx) {
      const index = listOf<D1Binding>(section, 'd1_databases').findIndex((b) => b.binding === binding);
      if (index < 0) return undefined;
      return [
        { path: ctx.path('d1_databases', index, 'database_name'), value: found.name },
        { path: ctx.path('d1_databases', index, 'database_id'), value: found.id! },
      ];
    },
    async plan(section, ctx) {
      const list = listOf<D1Binding>(section, 'd1_databases');
      if (list.length === 0) return [];
      const account = ctx.json<{ uuid: string; name: string }[]>(await ctx.wrangler(['d1', 'list', '--json'], 'wrangler d1 list'), 'the D1 databases');
      return list.map((db, index) => {
        const name = db.database_name ?? `${ctx.worker}-${db.binding.toLowerCase()}`;
        const writes = db.database_name ? [] : [{ path: ctx.path('d1_databases', index, 'database_name'), value: name }];
        if (db.database_id) {
          const known = account.some((d) => d.uuid === db.database_id);
          return { kind: 'd1_databases', name, binding: db.binding, action: known ? (writes.length ? 'write' : 'exists') : 'unknown-id', id: db.database_id, writes, idPath: ctx.path('d1_databases', index, 'database_id') };
        }
        const existing = account.find((d) => d.name === name);
        writes.push({ path: ctx.path('d1_databases', index, 'database_id'), value: existing?.uuid ?? '' });
        return { kind: 'd1_databases', name, binding: db.binding, action: existing ? 'write' : 'create', id: existing?.uuid, writes };
      });
    },
  },
  async emptyForNextTest(env, section) {
    for (const { binding } of listOf<D1Binding>(section, 'd1_databases')) {
      // The binding as Miniflare hands it over (the workers-types of D1, the part used here).
      const db = env[binding] as { prepare(sql: string): { all(): Promise<{ results: unknown[] }>; run(): Promise<unknown> } };
      // Dependants first would need the FK graph; retrying until nothing is left is simpler and bounded.
      for (let pass = 0; pass < 10; pass++) {
        const { results } = await db.prepare("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY type DESC").all();
        if (results.length === 0) break;
        for (const { type, name } of results as { type: string; name: string }[]) {
          await db.prepare(`DROP ${type === 'view' ? 'VIEW' : 'TABLE'} IF EXISTS "${name.replace(/"/g, '""')}"`).run().catch(() => undefined);
        }
      }
    }
  },
};
