// Cloudflare's API budget (developers.cloudflare.com/fundamentals/api/reference/limits): 1,200 requests per five
// minutes per user, then every call is answered 429 for five minutes. wrangler retries only 5xx, so every
// wrangler run and every direct API call of ours waits and tries again here, and says so.
import type { RunWrangler, WranglerResult } from './wrangler-run';

const RATE_LIMIT_WORDS = /\b429\b|\[code: 971\]|throttling your request speed|Too Many Requests/i;

/** Whether wrangler's (or the API's) words say the request budget is spent. */
export function mentionsRateLimit(text: string): boolean {
  return RATE_LIMIT_WORDS.test(text.replace(/\u001b\[[0-9;]*m/g, ''));
}

/** wrangler failed because Cloudflare's API answered 429. */
export function isRateLimited(result: WranglerResult): boolean {
  return result.code !== 0 && mentionsRateLimit(`${result.stderr}\n${result.stdout}`);
}

/**
 * How long to wait before each retry of a rate-limited call: the block lasts five minutes, so the waits add up
 * to more than that. NX_EDGE_RATE_LIMIT_WAIT_MS sets the first wait (tests use a few ms).
 */
export function rateLimitWaits(environment: NodeJS.ProcessEnv = process.env): number[] {
  const first = Number(environment.NX_EDGE_RATE_LIMIT_WAIT_MS ?? 60_000);
  const base = Number.isFinite(first) && first >= 0 ? first : 60_000;
  return [base, base * 2, base * 4];
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The line printed before each wait. */
export function rateLimitWaitLine(what: string, ms: number, attempt: number, of: number): string {
  return `nx-edge: Cloudflare's API rate limit reached during ${what}: waiting ${Math.round(ms / 1000)} s before trying again (${attempt} of ${of}).`;
}

/** The reason given when the budget did not lift after every wait. */
export function rateLimitExhaustedReason(waits: number[]): string {
  const total = waits.reduce((sum, ms) => sum + ms, 0);
  return `Cloudflare's API kept answering 429 (its rate limit: 1,200 requests per five minutes per user, then five minutes blocked) after ${waits.length} waits over ${Math.round(total / 1000)} s. Wait a few minutes and run it again.`;
}

/** `wrangler secret put TOKEN` of `secret put TOKEN --name api`: the words before the first option. */
const commandLabel = (args: string[]) => {
  const firstOption = args.findIndex((a) => a.startsWith('-'));
  return `wrangler ${(firstOption < 0 ? args : args.slice(0, firstOption)).slice(0, 3).join(' ')}`;
};

export interface RateLimitOptions {
  waits?: number[];
  wait?: (ms: number) => Promise<void>;
  /** Where the wait lines go (stderr in the CLI). */
  report?: (line: string) => void;
}

/**
 * A runner that runs a rate-limited wrangler command again after each wait. Every command we run is safe to
 * repeat after a 429: reads, writes of the same content (a secret, an object, a deploy of the same bundle), or
 * creations that failed before anything was created. A result still rate-limited after the last wait carries
 * `rateLimitExhausted`, which `wranglerErrorSummary` puts first.
 */
export function retryOnRateLimit(run: RunWrangler, options: RateLimitOptions = {}): RunWrangler {
  return async (args, runOptions) => {
    const waits = options.waits ?? rateLimitWaits();
    const wait = options.wait ?? sleep;
    const report = options.report ?? ((line: string) => process.stderr.write(`${line}\n`));
    for (let attempt = 0; ; attempt++) {
      const result = await run(args, runOptions);
      if (!isRateLimited(result)) return result;
      if (attempt >= waits.length) return { ...result, rateLimitExhausted: rateLimitExhaustedReason(waits) };
      report(rateLimitWaitLine(commandLabel(args), waits[attempt], attempt + 1, waits.length));
      await wait(waits[attempt]);
    }
  };
}

/**
 * fetch, honouring the API's 429 (Retry-After, else the waits of `rateLimitWaits()`); after the last wait the
 * 429 response is returned for the caller to report.
 */
export async function fetchWithinRateLimit(doFetch: typeof fetch, url: string, init: RequestInit, what: string, options: RateLimitOptions = {}): Promise<Response> {
  const waits = options.waits ?? rateLimitWaits();
  const report = options.report ?? ((line: string) => process.stderr.write(`${line}\n`));
  for (let attempt = 0; ; attempt++) {
    const response = await doFetch(url, init);
    if (response.status !== 429 || attempt >= waits.length) return response;
    const retryAfter = Number(response.headers.get('retry-after'));
    const ms = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : waits[attempt];
    await response.body?.cancel();
    report(rateLimitWaitLine(what, ms, attempt + 1, waits.length));
    await (options.wait ?? sleep)(ms);
  }
}
