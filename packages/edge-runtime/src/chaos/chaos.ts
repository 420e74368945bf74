/**
 * Fault injection for dev and staging: added latency and injected errors, by probability, set
 * through vars so no code changes between environments:
 *   CHAOS_LATENCY_MS      extra milliseconds before the handler runs (e.g. "250")
 *   CHAOS_LATENCY_RATE    probability of the latency, 0..1 (default 1 when CHAOS_LATENCY_MS is set)
 *   CHAOS_ERROR_RATE      probability of answering 503 instead of running the handler, 0..1
 * It never acts when ENVIRONMENT (or NODE_ENV) is "production".
 */
export interface ChaosSettings {
  latencyMs: number;
  latencyRate: number;
  errorRate: number;
}

export type ChaosDecision = { kind: 'none' } | { kind: 'latency'; ms: number } | { kind: 'error' } | { kind: 'latency+error'; ms: number };

function rate(value: unknown, name: string): number {
  if (value === undefined || value === '') return 0;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error(`${name} must be a probability between 0 and 1, got "${typeof value === 'string' ? value : JSON.stringify(value)}".`);
  return n;
}

/** Reads the chaos vars; undefined when chaos is off or refused (production). */
export function chaosSettings(env: Record<string, unknown>): ChaosSettings | undefined {
  const named = env.ENVIRONMENT ?? env.NODE_ENV;
  const environment = (typeof named === 'string' ? named : '').toLowerCase();
  const latencyMs = env.CHAOS_LATENCY_MS === undefined ? 0 : Number(env.CHAOS_LATENCY_MS);
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new Error(`CHAOS_LATENCY_MS must be a number of milliseconds, got "${String(env.CHAOS_LATENCY_MS)}".`);
  const settings = {
    latencyMs,
    latencyRate: env.CHAOS_LATENCY_RATE === undefined ? (latencyMs > 0 ? 1 : 0) : rate(env.CHAOS_LATENCY_RATE, 'CHAOS_LATENCY_RATE'),
    errorRate: rate(env.CHAOS_ERROR_RATE, 'CHAOS_ERROR_RATE'),
  };
  if (settings.latencyMs === 0 && settings.errorRate === 0) return undefined;
  if (environment === 'production' || environment === 'prod') return undefined;
  return settings;
}

/** What to do for one request, given two random numbers in [0, 1) (injected for tests). */
export function decideChaos(settings: ChaosSettings, random: () => number = Math.random): ChaosDecision {
  const latency = settings.latencyMs > 0 && random() < settings.latencyRate;
  const error = random() < settings.errorRate;
  if (latency && error) return { kind: 'latency+error', ms: settings.latencyMs };
  if (latency) return { kind: 'latency', ms: settings.latencyMs };
  if (error) return { kind: 'error' };
  return { kind: 'none' };
}
