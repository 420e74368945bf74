import type { Entry } from './entry';
import { orderServices } from './graph-order';
import type { HubParts } from './hub-parts';

/** Gating: a service starts once its upstream services are healthy; a failed upstream blocks it (never stops it). */
export class StartGate {
  constructor(private readonly hub: Pick<HubParts, 'clock' | 'entries' | 'events' | 'opts' | 'starter'>) {}

  /** Each service's cycle-mates, for the entries they were computed from (a session's graph changes only when entries come or go). */
  private cycles: { of: Entry[]; mates: Map<string, Set<string>> } = { of: [], mates: new Map() };

  /** Runs on every state change (a 100-Worker start makes hundreds): the graph's cycles are found once per set of entries. */
  private cycleMates(): Map<string, Set<string>> {
    const entries = [...this.hub.entries.values()];
    const known = this.cycles.of;
    if (entries.length === known.length && entries.every((entry, i) => entry === known[i])) return this.cycles.mates;
    const { cycles } = orderServices([...this.hub.entries.keys()], (s) => this.hub.entries.get(s)?.spec.upstream ?? []);
    const mates = new Map<string, Set<string>>();
    for (const cycle of cycles) for (const member of cycle) mates.set(member, new Set([...(mates.get(member) ?? []), ...cycle]));
    this.cycles = { of: entries, mates };
    return mates;
  }

  evaluateGates(): void {
    const cycleMates = this.cycleMates();
    const none = new Set<string>();
    for (const entry of this.hub.entries.values()) {
      if (entry.status.state !== 'pending' && entry.status.state !== 'blocked') continue;
      const mates = cycleMates.get(entry.spec.service) ?? none;
      const upstream = entry.spec.upstream.filter((u) => u !== entry.spec.service && !mates.has(u));
      if (upstream.every((u) => this.hub.entries.get(u)?.status.state === 'healthy')) {
        if (entry.gateTimer) this.hub.clock.clearTimeout(entry.gateTimer);
        entry.gateTimer = undefined;
        void this.hub.starter.startService(entry);
        continue;
      }
      // An upstream that failed (or is itself blocked) blocks this one until it is healthy again;
      // nothing else is stopped, and this one starts by itself once the upstream recovers.
      const broken = upstream.map((u) => this.hub.entries.get(u)).find((u) => u?.status.state === 'failed' || u?.status.state === 'blocked');
      if (broken) this.block(entry, this.describeUpstream(broken.spec.service));
    }
  }

  describeUpstream(service: string): string {
    const up = this.hub.entries.get(service);
    if (!up) return `waiting for ${service}, which is not running in this dev session (start it: nx run ${service}:dev)`;
    return `waiting for ${service} (${up.status.state}${up.status.health ? `: ${up.status.health}` : ''})`;
  }

  block(entry: Entry, reason: string): void {
    if (entry.status.state === 'blocked' && entry.status.health === reason) return;
    if (entry.status.state === 'blocked') {
      entry.status.health = reason;
      this.hub.events.send(entry, { type: 'status', status: { ...entry.status } });
      return;
    }
    this.hub.events.setState(entry, 'blocked', { health: reason });
  }

  gateTimedOut(entry: Entry): void {
    entry.gateTimer = undefined;
    if (entry.status.state !== 'pending' && entry.status.state !== 'blocked') return;
    const waiting = entry.spec.upstream.filter((u) => this.hub.entries.get(u)?.status.state !== 'healthy').map((u) => this.describeUpstream(u));
    // Still waiting, not failed: an upstream that comes later (or recovers) starts this one.
    this.block(entry, `${waiting.join('; ')} — not healthy after ${Math.round((this.hub.opts.gateTimeoutMs ?? 60_000) / 1000)} s`);
    this.hub.events.log(entry.spec.service, 'system', `WARN ${entry.spec.service} is blocked: ${entry.status.health}`, 'warn');
  }
}
