import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { groupMembers, stopLeftovers } from './session-leftovers';

// Real process groups: what a dead hub leaves (workerd in its group, each service in its own).

const alive = (pid: number) => groupMembers(pid).some((m) => m.pid === pid);

describe('stopLeftovers', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) {
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });

  const group = (script: string) => {
    // A shell with a child of its own, detached like the hub's services: one process group.
    const child = spawn('sh', ['-c', `${script} & wait`], { detached: true, stdio: 'ignore' });
    children.push(child);
    return child;
  };

  it('stops every member of a recorded group (SIGTERM, then SIGKILL for one that ignores it)', async () => {
    const polite = group('sleep 30');
    const stubborn = group(`node -e "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"`);
    await new Promise((r) => setTimeout(r, 300));
    expect(groupMembers(polite.pid!).length).toBe(2);
    const since = Date.now() - 10_000;
    const signalled = await stopLeftovers([{ pgid: polite.pid!, startedAt: since }, { pgid: stubborn.pid!, startedAt: since }], 500);
    expect(signalled).toEqual(expect.arrayContaining([polite.pid!, stubborn.pid!]));
    await new Promise((r) => setTimeout(r, 200));
    expect(groupMembers(polite.pid!)).toEqual([]);
    expect(groupMembers(stubborn.pid!)).toEqual([]);
  });

  it('never signals a group whose members are older than the session (a reused pid)', async () => {
    const bystander = group('sleep 30');
    await new Promise((r) => setTimeout(r, 200));
    const signalled = await stopLeftovers([{ pgid: bystander.pid!, startedAt: Date.now() + 60_000 }], 100);
    expect(signalled).toEqual([]);
    expect(alive(bystander.pid!)).toBe(true);
  });
});
