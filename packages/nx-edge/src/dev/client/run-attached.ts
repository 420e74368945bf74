import { readFileSync } from 'node:fs';
import { formatLogLine, shouldColour } from '../../logs/log-line';
import { inertText } from '../../logs/inert-text';
import { UserError } from '../../utils/user-error';
import { attachToHub, cleanStaleSession, connectToHub } from './hub-client';
import { isAlive } from '../hub-registry';
import type { ServiceSpec } from '../protocol';

export const DEFAULT_DEV_PROXY_PORT = 7080;

export interface RunAttachedOptions {
  workspaceRoot: string;
  spec: ServiceSpec;
  /** Every Worker of this Nx run (see session-plan.ts), for the hub to start together. */
  plan?: ServiceSpec[];
  /** The upstream Workers this task brings up itself (closure mode; see session-plan.ts). */
  closure?: ServiceSpec[];
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
  const hub = await connectToHub(opts.workspaceRoot, { proxyPort: proxyPortFrom(opts.proxyPort), onNote: write });
  let onReady!: (url: string) => void;
  let onFatal!: (message: string) => void;
  const ready = new Promise<string>((resolve, reject) => {
    onReady = resolve;
    onFatal = (message) => reject(new UserError(inertText(message)));
  });
  ready.catch(() => undefined);
  const attachment = attachToHub(hub, { spec: opts.spec, plan: opts.plan ?? [], closure: opts.closure ?? [] }, (event) => {
    if (event.type === 'log') {
      // The terminal gets one line per service stopped (the JSONL keeps `stopping` too); state lines
      // read better without their machine fields.
      if (event.record.fields?.to === 'stopping') return;
      write(formatLogLine(event.record.stream === 'system' ? { ...event.record, fields: undefined } : event.record, { color }));
    } else if (event.type === 'ready') onReady(event.proxyUrl);
    else if (event.type === 'fatal') onFatal(event.message);
    else if (event.type === 'stopped' && event.report) write(`nx-edge dev: stopped ${event.services} service${event.services === 1 ? '' : 's'} in ${(event.ms / 1000).toFixed(1)} s`);
  });

  // Being stopped (Ctrl-C, SIGTERM, SIGHUP, Nx going away): ask the hub to stop this service and report
  // it, then end as the signal would have.
  let leaving: Promise<void> | undefined;
  const leave = () => {
    leaving ??= (async () => {
      await attachment.leave();
      await Promise.race([attachment.closed.catch(() => undefined), new Promise((r) => setTimeout(r, 8000).unref())]);
    })();
    return leaving;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    void leave().then(() => {
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
      process.kill(process.pid, signal);
    });
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  // Orphaned by a killed Nx, or its IPC gone: leave, so the hub stops the service.
  const parent = process.ppid;
  const shellsParent = parentBehindShell(parent);
  const orphanCheck = setInterval(() => {
    if (process.ppid !== parent || (shellsParent !== undefined && !isAlive(shellsParent))) void leave().then(() => attachment.detach());
  }, 1000);
  orphanCheck.unref();
  const onDisconnect = () => void leave().then(() => attachment.detach());
  process.once('disconnect', onDisconnect);
  try {
    const first = await Promise.race([ready, attachment.closed.then(() => undefined)]);
    if (first === undefined) {
      if (leaving) return;
      throw new UserError(await hubGone(opts.workspaceRoot, hub.pid, `before ${opts.spec.service} was healthy`));
    }
    write(`${opts.spec.service} is ready: ${first} (proxy)`);
    opts.onReady?.(first);
    yield { success: true, baseUrl: first };
    await attachment.closed;
    if (!leaving) throw new UserError(await hubGone(opts.workspaceRoot, hub.pid, `while ${opts.spec.service} was running`));
  } finally {
    clearInterval(orphanCheck);
    process.off('disconnect', onDisconnect);
    if (!leaving) for (const s of STOP_SIGNALS) process.off(s, onSignal);
    attachment.detach();
  }
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Started through a shell (a run-commands target without `exec`), the shell outlives a killed Nx:
 * the shell's own parent (Nx) is the one to watch. Linux only (/proc); elsewhere, undefined.
 */
function parentBehindShell(parent: number): number | undefined {
  try {
    if (!/^(sh|bash|dash|zsh|ash)$/.test(readFileSync(`/proc/${parent}/comm`, 'utf8').trim())) return undefined;
    const fields = readFileSync(`/proc/${parent}/stat`, 'utf8').split(') ')[1]?.split(' ');
    const grandparent = Number(fields?.[1]);
    return Number.isInteger(grandparent) && grandparent > 1 ? grandparent : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The hub's stream ended without this client leaving: say what happened and, if the hub died without
 * cleaning up (kill -9, OOM), stop what it left running.
 */
async function hubGone(workspaceRoot: string, hubPid: number, when: string): Promise<string> {
  const deadline = Date.now() + 3000;
  while (isAlive(hubPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(hubPid)) return `nx-edge dev: the dev hub (pid ${hubPid}) closed this service's connection ${when}; see .nx-edge/dev/hub.log.`;
  const cleaned = await cleanStaleSession(workspaceRoot);
  return `nx-edge dev: the dev hub (pid ${hubPid}) exited ${when}${cleaned ? ' without cleaning up' : ''}; see .nx-edge/dev/hub.log.${cleaned ? ` ${cleaned.replace(/^nx-edge dev: /, '')}` : ''} Run the command again to start a new session.`;
}
