import type { KvBinding } from '../wrangler-config';
import { byBinding, listOf, type BindingKind } from './binding-kind';

export const kvNamespaces: BindingKind = {
  key: 'kv_namespaces',
  label: 'KV namespace',
  names: (section) => listOf<KvBinding>(section, 'kv_namespaces').map((b) => b.binding),
  // Keyed by id, so local state persists per namespace (the preview id first, as wrangler dev does).
  local: (section, { workerName }) => ({ kvNamespaces: byBinding(listOf<KvBinding>(section, 'kv_namespaces'), (b) => b.preview_id ?? b.id, workerName) }),
  isolated: (section) =>
    listOf<KvBinding>(section, 'kv_namespaces').flatMap((k) => (k.id ? [{ key: 'kv_namespaces', binding: k.binding, value: k.id, what: 'KV namespace id', isId: true }] : [])),
  incomplete: (section) => listOf<KvBinding>(section, 'kv_namespaces').flatMap((k) => (k.id?.trim() ? [] : [{ binding: k.binding ?? '(unnamed)', missing: 'KV namespace id', field: 'id' }])),
  generator: {
    type: 'kv',
    label: 'KV namespace',
    defaultName: 'CACHE',
    path: ['kv_namespaces'],
    item: ({ binding, id }) => ({ binding, ...(id ? { id } : {}) }),
  },
  provision: {
    resource: 'KV namespace',
    createArgs: (name) => ['kv', 'namespace', 'create', name],
    idAfterCreate: true,
    deleteArgs: (r) => ['kv', 'namespace', 'delete', '--namespace-id', r.id!, '--skip-confirmation'],
    async find(value, ctx) {
      const account = ctx.json<{ id: string; title: string }[]>(await ctx.wrangler(['kv', 'namespace', 'list'], 'wrangler kv namespace list'), 'the KV namespaces');
      const found = account.find((n) => n.id === value) ?? account.find((n) => n.title === value);
      return found && { id: found.id, name: found.title };
    },
    importWrites(section, binding, found, ctx) {
      const index = listOf<KvBinding>(section, 'kv_namespaces').findIndex((b) => b.binding === binding);
      return index < 0 ? undefined : [{ path: ctx.path('kv_namespaces', index, 'id'), value: found.id! }];
    },
    async plan(section, ctx) {
      const list = listOf<KvBinding>(section, 'kv_namespaces');
      if (list.length === 0) return [];
      const account = ctx.json<{ id: string; title: string }[]>(await ctx.wrangler(['kv', 'namespace', 'list'], 'wrangler kv namespace list'), 'the KV namespaces');
      return list.map((kv, index) => {
        if (kv.id) {
          const known = account.find((n) => n.id === kv.id);
          return { kind: 'kv_namespaces', name: known?.title ?? kv.id, binding: kv.binding, action: known ? 'exists' : 'unknown-id', id: kv.id, writes: [], idPath: ctx.path('kv_namespaces', index, 'id') };
        }
        const title = `${ctx.worker}-${kv.binding}`;
        const existing = account.find((n) => n.title === title);
        return { kind: 'kv_namespaces', name: title, binding: kv.binding, action: existing ? 'write' : 'create', id: existing?.id, writes: [{ path: ctx.path('kv_namespaces', index, 'id'), value: existing?.id ?? '' }] };
      });
    },
  },
  async emptyForNextTest(env, section) {
    for (const { binding } of listOf<KvBinding>(section, 'kv_namespaces')) {
      // The binding as Miniflare hands it over (the workers-types of KV, the part used here).
      const kv = env[binding] as {
        list(options: { cursor?: string }): Promise<{ keys: { name: string }[]; list_complete: boolean; cursor?: string }>;
        delete(key: string): Promise<void>;
      };
      for (let cursor: string | undefined, done = false; !done; ) {
        const page = await kv.list(cursor ? { cursor } : {});
        await Promise.all(page.keys.map((k) => kv.delete(k.name)));
        done = page.list_complete;
        cursor = page.cursor;
      }
    }
  },
};
