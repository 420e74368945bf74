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
 * private networks). The override may contain {worker}, {env} and {version} (the id of a version
 * checked on its preview URL before a gradual rollout, else `live`), e.g.
 * NX_EDGE_HEALTH_BASE_URL=http://127.0.0.1:8787/{worker}.
 */
export function healthBaseUrl(deployedUrl: string | undefined, override: string | undefined, worker: string, env: string | undefined, version = 'live'): string | undefined {
  if (override) return override.replace(/\{worker\}/g, worker).replace(/\{env\}/g, env ?? '').replace(/\{version\}/g, version);
  return deployedUrl;
}

/** One GET of a deployed Worker: its status (undefined when it did not answer) and what to print. */
export async function getStatus(url: string, timeoutMs: number, doFetch: typeof fetch = fetch): Promise<{ status?: number; detail: string }> {
  try {
    const response = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await response.arrayBuffer().catch(() => undefined);
    return { status: response.status, detail: `HTTP ${response.status}` };
  } catch (error) {
    return { detail: (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (error as Error).message };
  }
}

/** Healthy = a 2xx answer within `attempts` tries. */
export async function checkHealth(options: HealthCheckOptions): Promise<HealthCheckResult> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const url = healthUrl(options.baseUrl, options.path);
  let detail = 'not tried';
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    const answer = await getStatus(url, options.timeoutMs, options.fetch);
    if (answer.status !== undefined && answer.status >= 200 && answer.status < 300) return { healthy: true, url, detail: answer.detail, attempts: attempt };
    detail = answer.detail;
    if (attempt < options.attempts) await sleep(options.intervalMs);
  }
  return { healthy: false, url, detail, attempts: options.attempts };
}
