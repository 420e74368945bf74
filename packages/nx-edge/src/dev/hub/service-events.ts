import { scrubSecrets } from '../../local/dev-vars';
import type { LogRecord } from '../../logs/log-store';
import { parseLogLine } from '../../logs/log-line';
import { parseSpanLine } from '../../traces/trace-store';
import type { HubEvent, ServiceState, ServiceStatus } from '../protocol';
import { TRANSITIONS_TO_LOG, type Entry } from './entry';
import type { HubParts } from './hub-parts';

/** States and logs: every transition is recorded, logged and sent to the clients that follow the service. */
export class ServiceEvents {
  constructor(private readonly hub: Pick<HubParts, 'clock' | 'entries' | 'gate' | 'lastLoadError' | 'leaving' | 'opts' | 'proxyUrl' | 'routesChanged' | 'traces' | 'workerPolicy'>) {}

  /**
   * To the clients that follow the service: its own task's, or — while it has none — the tasks whose closure
   * holds it (their terminal is its log). `ready` goes to its own task only: a closure's task is ready when its
   * own service is.
   */
  send(entry: Entry, event: HubEvent): void {
    const followers = entry.owners.size > 0 || event.type === 'ready' ? entry.owners : entry.clients;
    for (const client of followers) client.send(event);
    for (const [client, { services }] of this.hub.leaving) if (services.has(entry.spec.service)) client.send(event);
  }

  recordState(entry: Entry, from: ServiceState | undefined, to: ServiceState): void {
    const s = entry.status;
    if (!TRANSITIONS_TO_LOG.includes(to)) return;
    const detail = (to === 'failed' || to === 'blocked') && s.health ? ` (${s.health})` : to === 'healthy' && s.url ? ` at ${s.url}` : '';
    const record: LogRecord = {
      time: this.hub.clock.now(),
      service: s.service,
      stream: 'system',
      level: to === 'failed' ? 'error' : to === 'unhealthy' || to === 'blocked' ? 'warn' : 'info',
      message: `state ${from ?? 'new'} -> ${to}${detail}`,
      fields: { event: 'state', from: from ?? null, to, pid: s.pid ?? null, port: s.port ?? null, restarts: s.restarts },
    };
    this.hub.opts.logs.append(record);
    this.send(entry, { type: 'log', record });
    this.send(entry, { type: 'status', status: { ...s } });
  }

  setState(entry: Entry, to: ServiceState, patch: Partial<ServiceStatus> = {}): void {
    const from = entry.status.state;
    Object.assign(entry.status, patch);
    this.hub.routesChanged();
    if (from === to) {
      this.send(entry, { type: 'status', status: { ...entry.status } });
      return;
    }
    entry.status.state = to;
    if (to === 'starting') entry.status.startedAt = undefined;
    if (to === 'healthy' && from !== 'unhealthy') entry.status.startedAt = this.hub.clock.now();
    this.recordState(entry, from, to);
    if (to === 'healthy') {
      entry.policy.healthy();
      if (entry.spec.kind === 'worker') this.hub.workerPolicy.healthy();
      if (!entry.ready) {
        entry.ready = true;
        this.send(entry, { type: 'ready', url: entry.status.url ?? '', proxyUrl: this.hub.proxyUrl(entry.spec.service) });
      }
    }
    if (to === 'healthy' || to === 'failed' || to === 'blocked' || to === 'stopped') this.hub.gate.evaluateGates();
  }

  log(service: string, stream: 'stdout' | 'stderr' | 'system', line: string, level?: LogRecord['level'], fields?: LogRecord['fields']): void {
    if (stream !== 'system') {
      line = scrubAndLimitLine(line, this.hub.entries.get(service)?.worker?.secretValues);
      // A span the runtime printed: a trace, not a log line.
      const span = parseSpanLine(line, service);
      if (span) {
        this.hub.traces.add(span);
        return;
      }
    }
    const record = stream === 'system' ? ({ time: this.hub.clock.now(), service, stream, level: level ?? 'info', message: line, ...(fields ? { fields } : {}) } as LogRecord) : parseLogLine(service, stream, line, this.hub.clock.now());
    // The runtime logger names its service by Worker name; show the project's name.
    if (!this.hub.entries.has(record.service)) {
      for (const e of this.hub.entries.values()) if (e.worker?.workerName === record.service) record.service = e.spec.service;
    }
    const uncaught = stream !== 'system' ? /\bUncaught (.*)$/.exec(record.message) : null;
    if (uncaught) {
      // workerd's own report of a Worker that throws (at load or in a handler): an error, whatever stream.
      record.level = 'error';
      this.hub.lastLoadError.set(record.service, `Uncaught ${uncaught[1]}`);
    }
    this.hub.opts.logs.append(record);
    const entry = this.hub.entries.get(record.service);
    if (entry) this.send(entry, { type: 'log', record });
  }
}

/**
 * The longest line of a service's output the hub keeps (stores, shows, sends): a Worker may print what an
 * attacker sent, and one 2 MB line must not slow the session's log for every other service.
 */
export const MAX_HUB_LINE_CHARS = 64 * 1024;
/** Kept past the cut while scrubbing, so a secret straddling the cut is still recognised and never half-shown. */
const SCRUB_MARGIN_CHARS = 4096;

/** A line scrubbed and cut to MAX_HUB_LINE_CHARS with a note of how much was cut; work bounded by the limit. */
export function scrubAndLimitLine(line: string, values: string[] | undefined): string {
  if (line.length <= MAX_HUB_LINE_CHARS) return scrubSecrets(line, values);
  const longest = Math.max(0, ...(values ?? []).map((v) => v.length));
  const scrubbed = scrubSecrets(line.slice(0, MAX_HUB_LINE_CHARS + SCRUB_MARGIN_CHARS + longest), values);
  return `${scrubbed.slice(0, MAX_HUB_LINE_CHARS)}… [truncated: ${line.length - MAX_HUB_LINE_CHARS} more characters]`;
}
