import { describe, expect, it } from 'vitest';
import { announcedTailUrl, deleteTailSession, withoutAnnouncements, type TailApi } from './tail-cleanup';

/** The API's tails of one script, answered as Cloudflare does ({ success, result }). */
function apiWith(tails: { id: string; url: string }[], asObject = false): { api: TailApi; calls: string[] } {
  const calls: string[] = [];
  const doFetch = (async (input: string | URL, init?: RequestInit) => {
    const url = String(input);
    calls.push(`${init?.method ?? 'GET'} ${url.replace('https://api.test/client/v4/accounts/acc/workers/scripts/', '')}`);
    if ((init?.method ?? 'GET') === 'GET') return Response.json({ success: true, errors: [], messages: [], result: asObject ? tails[0] ?? null : tails });
    const id = url.split('/').at(-1);
    const index = tails.findIndex((t) => t.id === id);
    if (index === -1) return Response.json({ success: false, errors: [{ code: 10057, message: 'not found' }] }, { status: 404 });
    tails.splice(index, 1);
    return Response.json({ success: true, errors: [], messages: [], result: null });
  }) as typeof fetch;
  return { api: { apiBase: 'https://api.test/client/v4', accountId: 'acc', token: 't', fetch: doFetch }, calls };
}

describe('closing a tail session wrangler left open', () => {
  it('reads the address the preload announced and hides the announcement from what is shown', () => {
    const lines = ['Successfully created tail', 'nx-edge-tail-url wss://tail.developers.workers.dev/abc123', '✘ [ERROR] boom'];
    expect(announcedTailUrl(lines)).toBe('wss://tail.developers.workers.dev/abc123');
    expect(withoutAnnouncements(lines)).toEqual(['Successfully created tail', '✘ [ERROR] boom']);
  });

  it('deletes only the session with that address, never another person\'s tail of the same Worker', async () => {
    const tails = [
      { id: 'theirs', url: 'wss://tail.developers.workers.dev/theirs' },
      { id: 'ours', url: 'wss://tail.developers.workers.dev/ours' },
    ];
    const { api, calls } = apiWith(tails);
    expect(await deleteTailSession(api, 'users-staging', 'wss://tail.developers.workers.dev:443/ours')).toBe('deleted');
    expect(calls).toEqual(['GET users-staging/tails', 'DELETE users-staging/tails/ours']);
    expect(tails.map((t) => t.id)).toEqual(['theirs']);
  });

  it('accepts the API answering one session as an object; a session already gone is nothing to do', async () => {
    const { api } = apiWith([{ id: 'x1', url: 'ws://127.0.0.1:9/tail/x1' }], true);
    await deleteTailSession(api, 'w', 'ws://127.0.0.1:9/tail/x1');
    const gone = apiWith([]);
    expect(await deleteTailSession(gone.api, 'w', 'ws://127.0.0.1:9/tail/x1')).toBe('already-closed');
    expect(gone.calls).toEqual(['GET w/tails', 'DELETE w/tails/x1']);
  });

  it('when the one session the API answers is another person\'s, ours is still deleted by the id its address names', async () => {
    const tails = [
      { id: 'theirs', url: 'wss://tail.developers.workers.dev/theirs' },
      { id: 'ours', url: 'wss://tail.developers.workers.dev/ours' },
    ];
    const { api, calls } = apiWith(tails, true);
    expect(await deleteTailSession(api, 'w', 'wss://tail.developers.workers.dev/ours')).toBe('deleted');
    expect(calls).toEqual(['GET w/tails', 'DELETE w/tails/ours']);
    expect(tails.map((t) => t.id)).toEqual(['theirs']);
  });

  it('says why it cannot: no token (wrangler logged in by OAuth), or the API refusing', async () => {
    const { api } = apiWith([]);
    await expect(deleteTailSession({ ...api, token: undefined }, 'w', 'ws://h/t')).rejects.toThrow('deleting it needs CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID');
    const refusing = { ...api, fetch: (async () => Response.json({ success: false }, { status: 403 })) as unknown as typeof fetch };
    await expect(deleteTailSession(refusing, 'w', 'ws://h/t')).rejects.toThrow('the API did not list the Worker\'s tail sessions (HTTP 403)');
  });
});
