import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../../../../test-support/fake-clock';
import { createRestartPolicy } from './restart-policy';

describe('restart policy', () => {
  it('backs off 1 s, 2 s, 4 s … capped at 30 s, counting restarts', () => {
    const policy = createRestartPolicy({ clock: createFakeClock() });
    expect(Array.from({ length: 7 }, () => policy.exited())).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(policy.restarts).toBe(7);
  });

  it('60 s of health resets the delay; a shorter healthy spell does not', () => {
    const clock = createFakeClock();
    const policy = createRestartPolicy({ clock });
    policy.exited();
    policy.exited(); // next would be 4 s
    policy.healthy();
    clock.advance(59_000);
    expect(policy.exited()).toBe(4000);
    policy.healthy();
    clock.advance(60_000);
    expect(policy.exited()).toBe(1000);
  });
});
