import type { ServiceBinding } from '../wrangler-config';
import { byBinding, listOf, type BindingKind } from './binding-kind';

/** Service bindings: another Worker (fetch and RPC), the main edge of the service graph. */
export const services: BindingKind = {
  key: 'services',
  label: 'Service binding to another Worker',
  names: (section) => listOf<ServiceBinding>(section, 'services').map((b) => b.binding),
  references: (section) => listOf<ServiceBinding>(section, 'services').flatMap((s) => (s.service ? [{ kind: 'service' as const, target: s.service, binding: s.binding }] : [])),
  // Other Workers run in the same workerd, by name.
  local: (section, { workerName }) => ({ serviceBindings: byBinding(listOf<ServiceBinding>(section, 'services'), (b) => b.service, workerName) }),
  generator: {
    type: 'service',
    label: 'Service binding to another Worker',
    defaultName: 'SERVICE',
    path: ['services'],
    item: ({ binding, service }) => ({ binding, service }),
  },
};
