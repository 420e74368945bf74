import { bindingReferences } from './bindings';
import type { WorkerConfig, WorkerReference, WranglerConfig } from './wrangler-config';

/**
 * Everything a config (top level and every env) names that is another Worker, or a queue whose
 * consumer is another Worker. Deduplicated by kind+target.
 */
export function workerReferences(config: WranglerConfig): WorkerReference[] {
  const seen = new Set<string>();
  const out: WorkerReference[] = [];
  const add = (ref: WorkerReference) => {
    const key = `${ref.kind}:${ref.target}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(ref);
  };
  const sections: WorkerConfig[] = [config, ...Object.values(config.env ?? {})];
  for (const section of sections) {
    for (const ref of bindingReferences(section)) add(ref);
    // Tail consumers are not bindings, but they name a Worker too.
    for (const t of section.tail_consumers ?? []) if (t?.service) add({ kind: 'tail_consumer', target: t.service });
  }
  return out;
}
