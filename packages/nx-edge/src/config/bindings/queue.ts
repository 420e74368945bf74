import { envResourceName } from '../env-names';
import type { QueueConsumer, QueueProducer } from '../wrangler-config';
import { byBinding, type BindingKind } from './binding-kind';

const producers = (section: { queues?: { producers?: QueueProducer[] } }) => (section.queues?.producers ?? []).filter((p) => p && typeof p === 'object');
const consumers = (section: { queues?: { consumers?: QueueConsumer[] } }) => (section.queues?.consumers ?? []).filter((c) => c && typeof c === 'object');

/** Queues: producers are bindings; a consumer makes this Worker the queue's handler (an edge from each producer). */
export const queues: BindingKind = {
  key: 'queues',
  label: 'Queue producer',
  names: (section) => producers(section).map((p) => p.binding).filter(Boolean),
  references: (section) => producers(section).flatMap((p) => (p.queue ? [{ kind: 'queue_producer' as const, target: p.queue, binding: p.binding }] : [])),
  local: (section, { workerName }) => {
    const consumed = consumers(section);
    return {
      queueProducers: byBinding(producers(section), (b) => b.queue, workerName),
      queueConsumers: consumed.length
        ? Object.fromEntries(consumed.map((c) => [c.queue, { maxBatchSize: c.max_batch_size, maxBatchTimeout: c.max_batch_timeout, maxRetries: c.max_retries, deadLetterQueue: c.dead_letter_queue }]))
        : undefined,
    };
  },
  isolated: (section) => [
    ...producers(section).flatMap((p) => (p.queue ? [{ key: 'queues.producers', binding: p.binding, value: p.queue, what: 'queue', isId: false }] : [])),
    ...consumers(section).flatMap((c) => (c.queue ? [{ key: 'queues.consumers', binding: c.queue, value: c.queue, what: 'queue', isId: false }] : [])),
  ],
  incomplete: (section) => producers(section).flatMap((p) => (p.queue ? [] : [{ binding: p.binding, missing: 'queue' }])),
  generator: {
    type: 'queue',
    label: 'Queue producer',
    defaultName: 'QUEUE',
    path: ['queues', 'producers'],
    item: ({ binding, kebab, env, queue }) => ({ binding, queue: queue ?? envResourceName(kebab, env) }),
  },
  provision: {
    resource: 'queue',
    createArgs: (name) => ['queues', 'create', name],
    deleteArgs: (r) => ['queues', 'delete', r.name],
    async find(value, ctx) {
      return (await ctx.found(['queues', 'info', value], /does not exist/i, `wrangler queues info ${value}`)) ? { name: value } : undefined;
    },
    importWrites(section, binding, found, ctx) {
      const index = producers(section).findIndex((p) => p.binding === binding);
      return index < 0 ? undefined : [{ path: ctx.at('queues', 'producers', index, 'queue'), value: found.name }];
    },
    async plan(section, ctx) {
      const names = [...new Set([...producers(section).map((p) => p.queue), ...consumers(section).map((c) => c.queue)].filter(Boolean))];
      const planned = [];
      for (const queue of names) {
        const exists = await ctx.found(['queues', 'info', queue], /does not exist/i, `wrangler queues info ${queue}`);
        planned.push({ kind: 'queues', name: queue, action: exists ? ('exists' as const) : ('create' as const), writes: [] });
      }
      return planned;
    },
  },
  // A queue's in-flight batches cannot be emptied from outside.
  keepsStateBetweenTests: (section) => producers(section).length > 0 || consumers(section).length > 0,
};
