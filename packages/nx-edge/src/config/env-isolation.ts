import { UserError } from '../utils/user-error';
import { BINDING_KINDS, type IsolatedValue } from './bindings';
import { deployedWorkerName, deployedWorkerNames, envResourceName } from './env-names';
import type { WorkerConfig, WranglerConfig } from './wrangler-config';
import type { WorkspaceWorker } from './workspace-workers';

export type { WorkspaceWorker } from './workspace-workers';

export interface IsolationProblem {
  env: string;
  /** e.g. services, d1_databases */
  key: string;
  binding: string;
  /** The name (or id) the env uses. */
  name: string;
  /** What it should be, when there is one right answer. */
  expected?: string;
  message: string;
}

/** The comment that marks a line as shared on purpose: `// nx-edge: shared` (jsonc) or `# nx-edge: shared` (toml). */
export const SHARED_MARKER = /(?:\/\/|#)\s*nx-edge:\s*shared\b/;

/** Names and ids on lines that carry the shared marker. */
export function sharedOnPurpose(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    if (!SHARED_MARKER.test(line)) continue;
    for (const match of line.matchAll(/"([^"]+)"|'([^']+)'/g)) names.add(match[1] ?? match[2]);
  }
  return names;
}

const where = (env: string) => (env ? `[env.${env}]` : 'the top level');

type Resource = IsolatedValue;

function resourcesOf(section: WorkerConfig): Resource[] {
  return BINDING_KINDS.flatMap((kind) => kind.isolated?.(section) ?? []);
}

/**
 * What in a non-top-level env reaches the top level's (production's) or another env's Worker or
 * resource: service bindings, tail consumers and Durable Object script names that name another
 * env's deployed Worker, and D1/KV/R2/queue names or ids another section of the same config uses.
 * A line marked `nx-edge: shared` is allowed.
 */
export function findIsolationProblems(config: WranglerConfig, file: string, text: string, workers: WorkspaceWorker[]): IsolationProblem[] {
  const shared = sharedOnPurpose(text);
  const problems: IsolationProblem[] = [];
  const envs = Object.keys(config.env ?? {});
  const { env: _envs, ...top } = config;
  // Which workspace Worker (and env) each deployed name belongs to.
  const owners = new Map<string, { worker: WorkspaceWorker; env: string }>();
  for (const worker of workers) for (const [name, env] of deployedWorkerNames(worker.config)) owners.set(name, { worker, env });

  for (const env of envs) {
    const section = config.env![env] ?? {};
    const workerRefs: { key: string; binding: string; name: string }[] = [
      // Bindings that name a Worker (services, Durable Object and Workflow script names); queues name queues.
      ...BINDING_KINDS.flatMap((kind) =>
        (kind.references?.(section) ?? []).filter((r) => r.kind !== 'queue_producer').map((r) => ({ key: kind.key, binding: r.binding ?? r.target, name: r.target })),
      ),
      ...(section.tail_consumers ?? []).map((t) => ({ key: 'tail_consumers', binding: t.service, name: t.service })),
    ];
    for (const ref of workerRefs) {
      const owner = owners.get(ref.name);
      if (!owner || owner.env === env || shared.has(ref.name)) continue; // its own env's Worker, external, or shared on purpose
      const expected = deployedWorkerName(owner.worker.config, env);
      const reaches = `${ref.name} is ${owner.env ? `${owner.worker.project}'s [env.${owner.env}] Worker` : `${owner.worker.project}'s top-level (production) Worker`}`;
      const fix = expected
        ? `Use "${expected}" (${owner.worker.project} deployed in ${env})`
        : `${owner.worker.project} has no [env.${env}]: add one to its wrangler config, then use its ${env} name`;
      problems.push({
        env,
        key: ref.key,
        binding: ref.binding,
        name: ref.name,
        expected,
        message: `${file}: [env.${env}] ${ref.key} ${ref.binding} names "${ref.name}", but ${reaches} — ${env} would reach it. ${fix}, or mark that line // nx-edge: shared if ${env} should share it on purpose.`,
      });
    }
    const others = [{ env: '', section: top }, ...envs.filter((e) => e !== env).map((e) => ({ env: e, section: config.env![e] ?? {} }))];
    for (const resource of resourcesOf(section)) {
      if (shared.has(resource.value)) continue;
      const clash = others.find((o) => resourcesOf(o.section).some((r) => r.what === resource.what && r.value === resource.value));
      if (!clash) continue;
      // The env's own name: the top level's name for the same binding (or this one, another env's suffix off), plus -<env>.
      const topSame = resourcesOf(top).find((r) => r.what === resource.what && r.binding === resource.binding)?.value;
      const base = topSame ?? (clash.env ? resource.value.replace(new RegExp(`-${clash.env}$`), '') : resource.value);
      const expected = resource.isId ? undefined : envResourceName(base, env);
      if (expected === resource.value) continue; // it is this env's own name; the other section is the one to fix
      const fix = resource.isId
        ? `Give ${env} its own (remove the id and run nx run <project>:provision -c ${env}, which creates one and writes its id)`
        : `Use "${expected}"`;
      problems.push({
        env,
        key: resource.key,
        binding: resource.binding,
        name: resource.value,
        expected,
        message: `${file}: [env.${env}] ${resource.key} ${resource.binding} uses ${resource.what} "${resource.value}", the same as ${where(clash.env)} — ${env} would read and write ${clash.env ? `${clash.env}'s` : "production's"} data. ${fix}, or mark that line // nx-edge: shared if ${env} should share it on purpose.`,
      });
    }
  }
  return problems;
}

/** Throws one UserError listing the env's isolation problems, before anything is uploaded or created. */
export function assertEnvIsolated(config: WranglerConfig, env: string | undefined, file: string, text: string, workers: WorkspaceWorker[], what: string): void {
  if (!env) return;
  const problems = findIsolationProblems(config, file, text, workers).filter((p) => p.env === env);
  if (problems.length === 0) return;
  throw new UserError(`${file}: cannot ${what} env "${env}" — it would reach another environment's Workers or data; nothing was ${what === 'deploy' ? 'uploaded' : 'created'}:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);
}
