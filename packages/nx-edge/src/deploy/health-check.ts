export interface HealthCheckOptions {
  /** Base URL of the deployed Worker, e.g. https://api-staging.acme.workers.dev */
  baseUrl: string;
  path: string;
  attempts: number;
  /** Between attempts; a fresh deploy can take a few seconds to reach every location. */
  intervalMs: number;
  timeoutMs: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

export interface HealthCheckResult {
  healthy: boolean;
  url: string;
  /** Last status or error, for the message. */
  detail: string;
  attempts: number;
}

export function healthUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * The base URL the health check uses: the deployed URL, unless an override is set (tests and
 * private networks). The override may contain {worker} and {env}, e.g.
 * NX_EDGE_HEALTH_BASE_URL=http://127.0.0.1:8787/{worker}.
 */
export function healthBaseUrl(deployedUrl: string | undefined, override: string | undefined, worker: string, env: string | undefined): string | undefined {
  if (override) return override.replace(/\{worker\}/g, worker).replace(/\{env\}/g, env ?? '');
  return deployedUrl;
}

/** Healthy = a 2xx answer within `attempts` tries. */
export async function checkHealth(options: HealthCheckOptions): Promise<HealthCheckResult> {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const url = healthUrl(options.baseUrl, options.path);
  let detail = 'not tried';
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    try {
      const response = await doFetch(url, { signal: AbortSignal.timeout(options.timeoutMs), redirect: 'manual' });
      await response.arrayBuffer().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { healthy: true, url, detail: `HTTP ${response.status}`, attempts: attempt };
      detail = `HTTP ${response.status}`;
    } catch (error) {
      detail = (error as Error).name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : (error as Error).message;
    }
    if (attempt < options.attempts) await sleep(options.intervalMs);
  }
  return { healthy: false, url, detail, attempts: options.attempts };
}
