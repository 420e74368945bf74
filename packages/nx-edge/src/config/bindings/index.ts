import type { WorkerConfig, WorkerReference } from '../wrangler-config';
import { remoteOnlyList, remoteOnlySingle, type BindingKind } from './binding-kind';
import { d1Databases } from './d1';
import { durableObjects } from './durable-object';
import { hyperdrive } from './hyperdrive';
import { kvNamespaces } from './kv';
import { queues } from './queue';
import { r2Buckets } from './r2';
import { services } from './service';
import { vectorize } from './vectorize';
import { workflows } from './workflow';

export * from './binding-kind';

/**
 * Every kind of binding nx-edge knows, each in its own file. Adding a kind (Workflows, Vectorize…) is
 * one file here plus its spec; every part of nx-edge (graph, dev, tests, env checks, generator) reads
 * this list.
 */
export const BINDING_KINDS: readonly BindingKind[] = [
  kvNamespaces,
  d1Databases,
  r2Buckets,
  services,
  durableObjects,
  queues,
  hyperdrive,
  workflows,
  vectorize,
  // Cloudflare-only services: declared, never bound locally (dev names them).
  remoteOnlySingle('ai', 'Workers AI'),
  remoteOnlySingle('browser', 'Browser Rendering'),
  remoteOnlySingle('images', 'Images'),
  remoteOnlyList('dispatch_namespaces', 'dispatch namespace'),
  remoteOnlyList('analytics_engine_datasets', 'Analytics Engine dataset'),
  remoteOnlyList('mtls_certificates', 'mTLS certificate'),
  remoteOnlyList('send_email', 'send email'),
  remoteOnlyList('pipelines', 'pipeline'),
  remoteOnlyList('secrets_store_secrets', 'Secrets Store secret'),
];

export function bindingKind(key: string): BindingKind | undefined {
  return BINDING_KINDS.find((k) => k.key === key);
}

/** The kinds `nx g @aero/nx-edge:binding` writes, by their --type. */
export const GENERATED_KINDS = BINDING_KINDS.filter((k): k is BindingKind & { generator: NonNullable<BindingKind['generator']> } => !!k.generator);

/** Every binding name one section declares, whatever its kind (vars included: they share `env`). */
export function allBindingNames(section: WorkerConfig): string[] {
  return [...BINDING_KINDS.flatMap((k) => k.names(section)), ...Object.keys(section.vars ?? {})];
}

/** The Workers (and queues) one section's bindings name. */
export function bindingReferences(section: WorkerConfig): WorkerReference[] {
  return BINDING_KINDS.flatMap((k) => k.references?.(section) ?? []);
}
