import { UserError } from '../utils/user-error';

/** The line the tail preload prints on wrangler's stderr with its session's WebSocket address. */
const TAIL_URL_LINE = /^nx-edge-tail-url (\S+)$/;

/** The WebSocket address a wrangler announced, from the lines it printed besides events. */
export function announcedTailUrl(lines: string[]): string | undefined {
  for (const line of lines) {
    const match = TAIL_URL_LINE.exec(line.trim());
    if (match) return match[1];
  }
  return undefined;
}

/** Lines wrangler printed, without the preload's own announcement. */
export function withoutAnnouncements(lines: string[]): string[] {
  return lines.filter((line) => !TAIL_URL_LINE.test(line.trim()));
}

/** Where the API is and how to call it; undefined fields make cleanup impossible (said so, never guessed). */
export interface TailApi {
  apiBase: string;
  accountId?: string;
  token?: string;
  fetch: typeof fetch;
}

interface ApiTail {
  id: string;
  url?: string;
}

/** Host and path of a WebSocket address: what identifies a session whatever scheme or default port is written. */
function sessionKey(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.pathname}`;
  } catch {
    return undefined;
  }
}

/**
 * Deletes the tail session of `script` whose WebSocket is `url` through the API (GET …/tails, then DELETE
 * …/tails/:id), when the wrangler that opened it did not. Only that session: another person's tail of the
 * same Worker is never touched. Throws a UserError saying why it could not.
 */
export async function deleteTailSession(api: TailApi, script: string, url: string): Promise<'deleted' | 'already-closed'> {
  if (!api.token || !api.accountId) throw new UserError('deleting it needs CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID (wrangler has no command for it)');
  const base = `${api.apiBase}/accounts/${api.accountId}/workers/scripts/${encodeURIComponent(script)}/tails`;
  const headers = { authorization: `Bearer ${api.token}` };
  const listed = await api.fetch(base, { headers });
  const body = (await listed.json().catch(() => undefined)) as { success?: boolean; result?: ApiTail | ApiTail[] | null } | undefined;
  if (!listed.ok && listed.status !== 404) throw new UserError(`the API did not list the Worker's tail sessions (HTTP ${listed.status})`);
  // Cloudflare's schema answers one session object (a list is accepted too); 404 when there is none.
  const tails = !body?.success ? [] : Array.isArray(body.result) ? body.result : body.result ? [body.result] : [];
  const key = sessionKey(url);
  const lastSegment = new URL(url).pathname.split('/').filter(Boolean).at(-1);
  // Ours may not be the one answered (another person's newer tail of the same Worker): its URL names its id.
  const ours = tails.find((t) => (t.url && sessionKey(t.url) === key) || t.id === lastSegment) ?? (lastSegment ? { id: lastSegment } : undefined);
  if (!ours) return 'already-closed';
  const deleted = await api.fetch(`${base}/${encodeURIComponent(ours.id)}`, { method: 'DELETE', headers });
  if (!deleted.ok && deleted.status !== 404) throw new UserError(`the API refused to delete tail session ${ours.id} (HTTP ${deleted.status})`);
  return deleted.ok ? 'deleted' : 'already-closed';
}
