import type { ServiceBinding } from '../wrangler-config';
import { listOf, type BindingKind } from './binding-kind';

/** Service bindings: another Worker (fetch and RPC), the main edge of the service graph. */
export const services: BindingKind = {
  key: 'services',
  label: 'Service binding to another Worker',
  names: (section) => listOf<ServiceBinding>(section, 'services').map((b) => b.binding),
  references: (section) => listOf<ServiceBinding>(section, 'services').flatMap((s) => (s.service ? [{ kind: 'service' as const, target: s.service, binding: s.binding }] : [])),
  // Other Workers run in the same workerd, by name (and named entrypoint, for RPC to a WorkerEntrypoint class).
  local: (section) => {
    const list = listOf<ServiceBinding>(section, 'services').filter((b) => typeof b.service === 'string');
    return list.length ? { serviceBindings: Object.fromEntries(list.map((b) => [b.binding, b.entrypoint ? { name: b.service, entrypoint: b.entrypoint } : b.service])) } : {};
  },
  generator: {
    type: 'service',
    label: 'Service binding to another Worker',
    defaultName: 'SERVICE',
    path: ['services'],
    item: ({ binding, service }) => ({ binding, service }),
  },
};
