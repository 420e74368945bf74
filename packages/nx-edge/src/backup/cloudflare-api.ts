// Direct calls to Cloudflare's v4 API where wrangler has no command that does the job page by page (KV keys
// and values, R2 object lists): the token only in a header, each request waiting out a 429 by itself.
import { UserError } from '../utils/user-error';
import { fetchWithinRateLimit } from '../wrangler/rate-limit';

const CLOUDFLARE_API = 'https://api.cloudflare.com/client/v4';

/** Where the API is and who calls it. */
export interface ApiAccess {
  apiBase: string;
  accountId: string;
  token: string;
  fetch: typeof fetch;
}

/** The API base wrangler would use too (CLOUDFLARE_API_BASE_URL points tests at the fake). */
export const apiBaseOf = (environment: Record<string, string | undefined>): string => environment.CLOUDFLARE_API_BASE_URL ?? CLOUDFLARE_API;

/** Access with wrangler's CI credentials, when both are there. */
export function apiAccessFrom(environment: Record<string, string | undefined>, accountId: string | undefined, doFetch: typeof fetch = fetch): ApiAccess | undefined {
  const token = environment.CLOUDFLARE_API_TOKEN;
  return token && accountId ? { apiBase: apiBaseOf(environment), accountId, token, fetch: doFetch } : undefined;
}

type PageInfo = { cursor?: string; is_truncated?: boolean };

/** One call below /accounts/<id>; a failure is a UserError with the HTTP status and Cloudflare's words. */
export async function apiJson<T>(access: ApiAccess, path: string, what: string, init: RequestInit = {}): Promise<{ result: T; result_info?: PageInfo }> {
  const headers = { authorization: `Bearer ${access.token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) };
  const response = await fetchWithinRateLimit(access.fetch, `${access.apiBase}/accounts/${access.accountId}${path}`, { ...init, headers }, what);
  const body = (await response.json().catch(() => ({}))) as { success?: boolean; errors?: { code?: number; message: string }[]; result?: T; result_info?: PageInfo };
  if (!response.ok || !body.success) {
    const reason = response.status === 429 ? 'Cloudflare\'s API kept answering 429 (its rate limit: 1,200 requests per five minutes per user) after every wait. Wait a few minutes and run it again.' : (body.errors ?? []).map((e) => `${e.message}${e.code ? ` [code: ${e.code}]` : ''}`).join('; ');
    throw new UserError(`${what} failed: HTTP ${response.status} ${reason}`.trim());
  }
  return { result: body.result as T, result_info: body.result_info };
}

/**
 * Every item of a cursor-paged list (`path` already has its query; `&cursor=` is added). The next page is
 * wherever a cursor points (with or without `is_truncated`, as wrangler reads cursor lists); a cursor the API
 * repeats would loop forever: that is an error, not the end.
 */
export async function listCursorPages<T>(access: ApiAccess, path: string, what: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await apiJson<T[]>(access, `${path}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, what);
    items.push(...(page.result ?? []));
    const next = page.result_info?.cursor || undefined;
    if (next && next === cursor) throw new UserError(`${what}: the API returned the same cursor twice; ${items.length} keys were read.`);
    cursor = page.result_info?.is_truncated === false ? undefined : next;
  } while (cursor);
  return items;
}
