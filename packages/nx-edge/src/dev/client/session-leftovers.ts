import { readdirSync, readFileSync } from 'node:fs';

/** A process group the hub started (its own, holding workerd; or a service's), as recorded in hub.json. */
export interface RecordedGroup {
  pgid: number;
  /** ms since the epoch; members older than this are not ours (the pid was reused). */
  startedAt: number;
}

const bootTimeMs = (): number | undefined => {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith('btime '));
    return line ? Number(line.split(/\s+/)[1]) * 1000 : undefined;
  } catch {
    return undefined;
  }
};

/** Members of a process group with their start times (Linux /proc; empty elsewhere). */
export function groupMembers(pgid: number): { pid: number; startedAt: number }[] {
  const boot = bootTimeMs();
  if (boot === undefined) return [];
  const members: { pid: number; startedAt: number }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] is the state (field 3 of stat): pgrp is field 5, starttime field 22 (in clock ticks).
      if (fields[0] === 'Z' || Number(fields[2]) !== pgid) continue;
      members.push({ pid: Number(name), startedAt: boot + (Number(fields[19]) * 1000) / 100 });
    } catch {
      // exited meanwhile
    }
  }
  return members;
}

/**
 * Stops what a dev session left behind when its hub died without cleaning up (kill -9, OOM): the
 * hub's process group (workerd) and each service's group. A group is signalled only while every
 * member started after the session did, so a reused pid is never hit. Returns the pids signalled.
 */
export async function stopLeftovers(groups: RecordedGroup[], graceMs = 2000): Promise<number[]> {
  const ours = (g: RecordedGroup) => {
    const members = groupMembers(g.pgid);
    return members.length > 0 && members.every((m) => m.startedAt >= g.startedAt - 1000) ? members : [];
  };
  const signalled: number[] = [];
  const send = (g: RecordedGroup, signal: NodeJS.Signals) => {
    const members = ours(g);
    if (members.length === 0) return false;
    try {
      process.kill(-g.pgid, signal);
      signalled.push(...members.map((m) => m.pid));
      return true;
    } catch {
      return false;
    }
  };
  const live = groups.filter((g) => send(g, 'SIGTERM'));
  const deadline = Date.now() + graceMs;
  while (live.some((g) => ours(g).length > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const g of live) send(g, 'SIGKILL');
  return [...new Set(signalled)];
}
