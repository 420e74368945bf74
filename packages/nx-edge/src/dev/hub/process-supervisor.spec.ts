import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startChild } from './process-supervisor';

// A killed orphan stays a zombie until init reaps it (slow, or never, in some containers): dead all the same.
const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] !== 'Z';
  } catch {
    return false;
  }
};
const started: { stop(g?: number): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of started.splice(0)) await c.stop(100);
});

describe('service child process', () => {
  it('delivers whole lines from stdout and stderr, and the exit code', async () => {
    const lines: string[] = [];
    const exited = new Promise<number | null>((resolve) => {
      started.push(
        startChild({
          command: `node -e "process.stdout.write('par'); setTimeout(()=>{process.stdout.write('tial\\\\nsecond\\\\n'); console.error('oops'); process.exit(3)}, 50)"`,
          cwd: process.cwd(),
          env: {},
          onLine: (stream, line) => lines.push(`${stream}:${line}`),
          onExit: (code) => resolve(code),
        }),
      );
    });
    expect(await exited).toBe(3);
    expect(lines).toEqual(expect.arrayContaining(['stdout:partial', 'stdout:second', 'stderr:oops']));
  });

  it('stop kills the whole group, also a grandchild that ignores SIGTERM, after the grace period', async () => {
    const lines: string[] = [];
    let exits = 0;
    const child = startChild({
      // The shell starts a grandchild that ignores SIGTERM and prints its pid.
      command: `node -e "process.on('SIGTERM',()=>{}); console.log('pid ' + process.pid); setInterval(()=>{},1000)" & wait`,
      cwd: process.cwd(),
      env: {},
      onLine: (_s, line) => lines.push(line),
      onExit: () => exits++,
    });
    started.push(child);
    for (let i = 0; i < 100 && !lines.some((l) => l.startsWith('pid ')); i++) await new Promise((r) => setTimeout(r, 50));
    const grandchild = Number(lines.find((l) => l.startsWith('pid '))!.slice(4));
    expect(alive(grandchild)).toBe(true);
    await child.stop(300);
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(grandchild)).toBe(false);
    expect(exits).toBe(0); // a stop we asked for is not a crash
  });
});
