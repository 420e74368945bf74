import { formatCycle, orderServices } from '../dev/hub/graph-order';

/** One dev service as the validator sees it (read from the project graph and configs). */
export interface DevProjectView {
  project: string;
  kind: 'worker' | 'service';
  /** Where its settings live, for messages. */
  file: string;
  upstream: string[];
  /** The error reading its wrangler config raised, if any (already names file and line). */
  configError?: string;
  options: { command?: unknown; port?: unknown; health?: unknown };
}

export interface Problem {
  project?: string;
  message: string;
}

export interface ValidateInput {
  projects: DevProjectView[];
  proxyPort: number;
  /** Ports something already listens on (checked by the caller). */
  portsInUse: Set<number>;
}

const isPort = (p: unknown): p is number => typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535;

/** Everything `nx run-many -t dev` would trip over, found without starting anything. */
export function validateDevConfig(input: ValidateInput): Problem[] {
  const problems: Problem[] = [];
  const ports = new Map<number, string[]>();
  for (const p of input.projects) {
    if (p.configError) problems.push({ project: p.project, message: p.configError });
    const { command, port, health } = p.options;
    if (p.kind === 'service' && (typeof command !== 'string' || !command.trim())) {
      problems.push({ project: p.project, message: `${p.file}: "command" is missing. Set it to the command that runs the service, e.g. "node server.mjs".` });
    }
    if (port !== undefined) {
      if (!isPort(port)) problems.push({ project: p.project, message: `${p.file}: "port" must be a port number (1-65535), got ${JSON.stringify(port)}.` });
      else ports.set(port, [...(ports.get(port) ?? []), p.project]);
    }
    if (health !== undefined) {
      const type = (health as { type?: unknown })?.type;
      if (type !== 'http' && type !== 'tcp') problems.push({ project: p.project, message: `${p.file}: "health.type" must be "http" or "tcp", got ${JSON.stringify(type)}.` });
      if (p.kind === 'service' && port === undefined) problems.push({ project: p.project, message: `${p.file}: "health" needs a "port" to probe. Add "port", or remove "health".` });
    }
  }
  for (const [port, owners] of ports) {
    if (owners.length > 1) problems.push({ message: `port ${port} is given to ${owners.join(' and ')}; each service needs its own port. Change "port" in all but one.` });
    if (port === input.proxyPort) problems.push({ project: owners[0], message: `port ${port} of ${owners.join(', ')} is the dev proxy's port; pick another "port" or another proxyPort.` });
    if (input.portsInUse.has(port)) problems.push({ project: owners[0], message: `port ${port} (${owners.join(', ')}) is already in use on 127.0.0.1; stop what uses it or change "port".` });
  }
  if (input.portsInUse.has(input.proxyPort)) {
    problems.push({ message: `the dev proxy's port ${input.proxyPort} is already in use on 127.0.0.1 (another dev session or program); stop it or pass proxyPort / NX_EDGE_PROXY_PORT.` });
  }
  return problems;
}

/**
 * Service-graph cycles: legal (Workers may call each other), so notes, not problems — their members
 * start together and deploy one after another, and cannot be health-gated against each other.
 */
export function cycleNotes(projects: DevProjectView[]): string[] {
  const names = projects.map((p) => p.project);
  const upstreamOf = (s: string) => projects.find((p) => p.project === s)?.upstream ?? [];
  const { cycles } = orderServices(names, upstreamOf);
  return cycles.map(
    (cycle) => `service graph cycle: ${formatCycle(cycle, upstreamOf)} — allowed: its members start together (none waits for another's health) and deploy one after another; a first deploy needs one member deployed without its bindings to the others.`,
  );
}
