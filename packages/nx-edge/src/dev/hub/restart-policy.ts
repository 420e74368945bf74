import { systemClock, type Clock } from '../../utils/clock';

export interface RestartPolicyOptions {
  clock?: Clock;
  baseMs?: number;
  maxMs?: number;
  /** Healthy this long without a crash → the next crash waits baseMs again. */
  resetAfterMs?: number;
}

/** Crash → wait 1 s, 2 s, 4 s … capped at 30 s; 60 s of health resets the delay. */
export function createRestartPolicy(opts: RestartPolicyOptions = {}): { healthy(): void; exited(): number; readonly restarts: number } {
  const clock = opts.clock ?? systemClock;
  const base = opts.baseMs ?? 1000;
  const max = opts.maxMs ?? 30_000;
  const resetAfter = opts.resetAfterMs ?? 60_000;
  let consecutive = 0;
  let restarts = 0;
  let healthySince: number | undefined;
  return {
    healthy() {
      healthySince ??= clock.now();
    },
    exited() {
      if (healthySince !== undefined && clock.now() - healthySince >= resetAfter) consecutive = 0;
      healthySince = undefined;
      const delay = Math.min(max, base * 2 ** consecutive);
      consecutive++;
      restarts++;
      return delay;
    },
    get restarts() {
      return restarts;
    },
  };
}
