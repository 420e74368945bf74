import { envResourceName } from '../env-names';
import type { R2Binding } from '../wrangler-config';
import { byBinding, listOf, type BindingKind } from './binding-kind';

export const r2Buckets: BindingKind = {
  key: 'r2_buckets',
  label: 'R2 bucket',
  names: (section) => listOf<R2Binding>(section, 'r2_buckets').map((b) => b.binding),
  local: (section, { workerName }) => ({ r2Buckets: byBinding(listOf<R2Binding>(section, 'r2_buckets'), (b) => b.preview_bucket_name ?? b.bucket_name, workerName) }),
  isolated: (section) =>
    listOf<R2Binding>(section, 'r2_buckets').flatMap((r) => (r.bucket_name ? [{ key: 'r2_buckets', binding: r.binding, value: r.bucket_name, what: 'R2 bucket', isId: false }] : [])),
  incomplete: (section) =>
    listOf<R2Binding>(section, 'r2_buckets').flatMap((r) => (r.bucket_name?.trim() ? [] : [{ binding: r.binding ?? '(unnamed)', missing: 'R2 bucket_name', field: 'bucket_name' }])),
  generator: {
    type: 'r2',
    label: 'R2 bucket',
    defaultName: 'BUCKET',
    path: ['r2_buckets'],
    item: ({ binding, kebab, worker, env, bucketName }) => ({ binding, bucket_name: bucketName ?? envResourceName(`${worker}-${kebab}`, env) }),
  },
  provision: {
    resource: 'R2 bucket',
    createArgs: (name) => ['r2', 'bucket', 'create', name],
    deleteArgs: (r) => ['r2', 'bucket', 'delete', r.name],
    async find(value, ctx) {
      return (await ctx.found(['r2', 'bucket', 'info', value, '--json'], /10006|does not exist/i, `wrangler r2 bucket info ${value}`)) ? { name: value } : undefined;
    },
    importWrites(section, binding, found, ctx) {
      const index = listOf<R2Binding>(section, 'r2_buckets').findIndex((b) => b.binding === binding);
      return index < 0 ? undefined : [{ path: ctx.path('r2_buckets', index, 'bucket_name'), value: found.name }];
    },
    async plan(section, ctx) {
      const planned = [];
      // A bucket without a name is the deploy check's to name; there is nothing to create.
      for (const bucket of listOf<R2Binding>(section, 'r2_buckets').filter((b) => b.bucket_name)) {
        const exists = await ctx.found(['r2', 'bucket', 'info', bucket.bucket_name!, '--json'], /10006|does not exist/i, `wrangler r2 bucket info ${bucket.bucket_name}`);
        planned.push({ kind: 'r2_buckets', name: bucket.bucket_name!, binding: bucket.binding, action: exists ? ('exists' as const) : ('create' as const), writes: [] });
      }
      return planned;
    },
  },
  async emptyForNextTest(env, section) {
    for (const { binding } of listOf<R2Binding>(section, 'r2_buckets')) {
      // The binding as Miniflare hands it over (the workers-types of R2, the part used here).
      const bucket = env[binding] as {
        list(options: { cursor?: string }): Promise<{ objects: { key: string }[]; truncated: boolean; cursor?: string }>;
        delete(keys: string[]): Promise<void>;
      };
      for (let cursor: string | undefined, truncated = true; truncated; ) {
        const page = await bucket.list(cursor ? { cursor } : {});
        if (page.objects.length) await bucket.delete(page.objects.map((o) => o.key));
        truncated = page.truncated;
        cursor = page.cursor;
      }
    }
  },
};
