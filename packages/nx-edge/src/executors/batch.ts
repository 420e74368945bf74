import type { TaskGraph } from '@nx/devkit';
import { describeError } from '../utils/user-error';

export type BatchResults = Record<string, { success: boolean; terminalOutput: string; startTime: number; endTime: number }>;

/**
 * Runs every task of an Nx batch at once in this process. Nx 24 shows nothing of a batch task (not
 * even a failure's error): each task's block is printed as one write, headed like an unbatched task,
 * so the lines of parallel tasks never interleave.
 */
export async function runBatch(
  taskGraph: TaskGraph,
  runOne: (task: TaskGraph['tasks'][string], log: (line: string) => void) => Promise<void>,
  // Tasks that spawn a process each (wrangler) run this many at a time.
  concurrency = Infinity,
): Promise<BatchResults> {
  let running = 0;
  const waiting: (() => void)[] = [];
  const slot = async () => {
    if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
  };
  const release = () => {
    running--;
    waiting.shift()?.();
  };
  const entries = await Promise.all(
    Object.values(taskGraph.tasks).map(async (task) => {
      await slot();
      const lines: string[] = [];
      const startTime = Date.now();
      let success = true;
      try {
        await runOne(task, (line) => lines.push(line));
      } catch (error) {
        success = false;
        lines.push(describeError(error));
      }
      const terminalOutput = `${lines.join('\n')}\n`;
      (success ? process.stdout : process.stderr).write(`\n> nx run ${task.target.project}:${task.target.target}\n\n${terminalOutput}`);
      release();
      return [task.id, { success, terminalOutput, startTime, endTime: Date.now() }] as const;
    }),
  );
  return Object.fromEntries(entries);
}
