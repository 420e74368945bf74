import { describe, expect, it } from 'vitest';
import { chaosSettings, decideChaos } from './chaos';

describe('chaos', () => {
  it('is off without vars', () => {
    expect(chaosSettings({})).toBeUndefined();
  });

  it('refuses to act in production, whatever the vars say', () => {
    expect(chaosSettings({ ENVIRONMENT: 'production', CHAOS_ERROR_RATE: '1', CHAOS_LATENCY_MS: '100' })).toBeUndefined();
    expect(chaosSettings({ ENVIRONMENT: 'staging', CHAOS_ERROR_RATE: '1' })).toMatchObject({ errorRate: 1 });
  });

  it('injects latency and errors by probability', () => {
    const settings = chaosSettings({ CHAOS_LATENCY_MS: '200', CHAOS_LATENCY_RATE: '0.5', CHAOS_ERROR_RATE: '0.1' })!;
    const sequence = (values: number[]) => () => values.shift()!;
    expect(decideChaos(settings, sequence([0.4, 0.9]))).toEqual({ kind: 'latency', ms: 200 });
    expect(decideChaos(settings, sequence([0.6, 0.05]))).toEqual({ kind: 'error' });
    expect(decideChaos(settings, sequence([0.6, 0.5]))).toEqual({ kind: 'none' });
    expect(decideChaos(settings, sequence([0.1, 0.01]))).toEqual({ kind: 'latency+error', ms: 200 });
  });

  it('names a bad var and the fix', () => {
    expect(() => chaosSettings({ CHAOS_ERROR_RATE: '5' })).toThrow('CHAOS_ERROR_RATE must be a probability between 0 and 1, got "5".');
  });
});
