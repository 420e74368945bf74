import { formatLogLine, shouldColour } from '../logs/log-line';
import { UserError } from '../utils/user-error';
import { attachToHub, connectToHub } from './hub-client';
import type { ServiceSpec } from './types';

export const DEFAULT_DEV_PROXY_PORT = 7080;

export interface RunAttachedOptions {
  workspaceRoot: string;
  spec: ServiceSpec;
  /** Every Worker of this Nx run (see session-plan.ts), for the hub to start together. */
  plan?: ServiceSpec[];
  proxyPort?: number;
  write?: (line: string) => void;
  /** Called once the service is healthy (Nx readiness). */
  onReady?: (proxyUrl: string) => void;
}

export function proxyPortFrom(option: number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  if (option !== undefined) return option;
  const fromEnv = env.NX_EDGE_PROXY_PORT;
  if (fromEnv !== undefined && /^\d+$/.test(fromEnv)) return Number(fromEnv);
  return DEFAULT_DEV_PROXY_PORT;
}

/**
 * A dev/service task: attach the service to the workspace's dev hub (starting it if needed), print
 * this service's log lines, report readiness once healthy, and stay until stopped. When this process
 * ends — Ctrl-C, Nx killed — the hub sees the connection close and stops the service.
 */
export async function* runAttached(opts: RunAttachedOptions): AsyncGenerator<{ success: boolean; baseUrl?: string }> {
  const write = opts.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const color = shouldColour();
  const hub = await connectToHub(opts.workspaceRoot, { proxyPort: proxyPortFrom(opts.proxyPort) });
  let onReady!: (url: string) => void;
  let onFatal!: (message: string) => void;
  const ready = new Promise<string>((resolve, reject) => {
    onReady = resolve;
    onFatal = (message) => reject(new UserError(message));
  });
  ready.catch(() => undefined);
  const attachment = attachToHub(hub, opts.spec, opts.plan ?? [], (event) => {
    // State lines read better without their machine fields (the JSONL keeps them).
    if (event.type === 'log') write(formatLogLine(event.record.stream === 'system' ? { ...event.record, fields: undefined } : event.record, { color }));
    else if (event.type === 'ready') onReady(event.proxyUrl);
    else if (event.type === 'fatal') onFatal(event.message);
  });
  // Orphaned by a killed Nx: leave, so the hub stops the service.
  const parent = process.ppid;
  const orphanCheck = setInterval(() => {
    if (process.ppid !== parent) attachment.detach();
  }, 1000);
  orphanCheck.unref();
  const onDisconnect = () => attachment.detach();
  process.once('disconnect', onDisconnect);
  try {
    const first = await Promise.race([ready, attachment.closed.then(() => undefined)]);
    if (first === undefined) throw new UserError(`nx-edge dev: the dev hub stopped before ${opts.spec.service} was healthy; see .nx-edge/dev/hub.log.`);
    write(`${opts.spec.service} is ready: ${first} (proxy)`);
    opts.onReady?.(first);
    yield { success: true, baseUrl: first };
    await attachment.closed;
  } finally {
    clearInterval(orphanCheck);
    process.off('disconnect', onDisconnect);
    attachment.detach();
  }
}
