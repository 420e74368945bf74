// The fake follows Cloudflare, not us: every route it answers is called here once (the way wrangler calls it)
// and each answer is checked against the vendored schema (cloudflare-schema.json, from Cloudflare's SDK):
// envelope, pagination, and every field — a field the schema does not have is an error, so a shape we
// invented cannot pass. Routes the schema does not publish are listed in the fake's README with their source.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeCloudflareApi, type FakeCloudflareApi } from '../fake-cloudflare-api';
import { readCloudflareSchema, responseErrors, schemaErrors } from './cloudflare-schema';

const schema = readCloudflareSchema();

/**
 * Fields Cloudflare sends that its published schema leaves out, each kept only because wrangler reads it
 * (so the real API must send it); the source is wrangler 4.86's `wrangler-dist/cli.js`. Nothing else may
 * depart from the schema.
 */
const BEYOND_SCHEMA: { route: RegExp; departure: RegExp; why: string }[] = [
  { route: /^PUT .*\/scripts\/:name$/, departure: /^result\.deployment_id: not in the schema$/, why: 'wrangler deploy: versionId = parseNonHyphenedUuid(result.deployment_id)' },
  { route: /\/versions/, departure: /^result(\[\d+\])?\.metadata\.has_preview: not in the schema$/, why: 'wrangler versions upload: hasPreview = result.metadata.has_preview (the SDK spells it hasPreview)' },
  { route: /\/versions/, departure: /^result(\[\d+\])?\.annotations: not in the schema$/, why: 'wrangler versions list/view: version.annotations?.["workers/triggered_by"]' },
  { route: /\/d1\/database\/:id\/(export|import)$/, departure: /^result\.status: "active" is not "(complete|error)"$/, why: 'wrangler d1 export/execute --file poll while status is neither complete nor error (pollExport, pollUntilComplete); the schema lists only the two' },
  { route: /^GET .*\/versions$/, departure: /^result\[\d+\]\.resources: not in the schema$/, why: 'wrangler caches list items as whole versions and reads their resources (src/versions/api.ts fetchDeployableVersions)' },
];

describe('the fake Cloudflare API against Cloudflare’s published schema', () => {
  let api: FakeCloudflareApi;
  let base: string;
  const call = async (method: string, path: string, body?: unknown) => {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${api.token}` } };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const response = await fetch(`${base}${path}`, init);
    const text = await response.text();
    expect(response.status, `${method} ${path}: ${text}`).toBeLessThan(300);
    return text ? (JSON.parse(text) as { result: never }) : undefined;
  };
  const upload = (bindings: unknown[] = [], extra: Record<string, unknown> = {}) => {
    const form = new FormData();
    form.set('metadata', JSON.stringify({ main_module: 'index.js', bindings, ...extra }));
    form.set('index.js', new Blob(['export default { fetch: () => new Response("ok") }'], { type: 'application/javascript+module' }), 'index.js');
    return form;
  };

  beforeAll(async () => {
    api = await startFakeCloudflareApi({ recordResponses: true });
    base = `${api.url}/accounts/${api.accountId}`;
  });
  afterAll(async () => api.close());

  it('every route answers as the schema says', async () => {
    await call('GET', '/workers/subdomain');
    const verified = await fetch(`${api.url}/user/tokens/verify`, { headers: { authorization: `Bearer ${api.token}` } });
    expect(verified.status).toBe(200);
    await call('PUT', '/workers/scripts/api', upload([{ type: 'plain_text', name: 'MODE', text: 'x' }]));
    await call('GET', '/workers/services/api');
    await call('GET', '/workers/workers/api');
    await call('GET', '/workers/scripts');
    const version = (await call('POST', '/workers/scripts/api/versions', upload()))!.result as { id: string };
    await call('GET', '/workers/scripts/api/versions');
    await call('GET', `/workers/scripts/api/versions/${version.id}`);
    await call('GET', '/workers/scripts/api/deployments');
    await call('POST', '/workers/scripts/api/deployments', { strategy: 'percentage', versions: [{ version_id: version.id, percentage: 100 }] });
    await call('GET', '/workers/scripts/api/settings');
    const settings = new FormData();
    settings.set('settings', JSON.stringify({ bindings: [] }));
    await call('PATCH', '/workers/scripts/api/settings', settings);
    await call('PATCH', '/workers/scripts/api/script-settings', { logpush: false });
    await call('GET', '/workers/scripts/api/subdomain');
    await call('POST', '/workers/scripts/api/subdomain', { enabled: true });
    await call('PUT', '/workers/scripts/api/secrets', { name: 'TOKEN', text: 'v', type: 'secret_text' });
    await call('GET', '/workers/scripts/api/secrets');
    await call('PATCH', '/workers/scripts/api/secrets-bulk', { secrets: { OTHER: { text: 'w', type: 'secret_text' } } });
    await call('DELETE', '/workers/scripts/api/secrets/OTHER');
    await call('GET', '/workers/scripts/api/schedules');
    await call('PUT', '/workers/scripts/api/schedules', [{ cron: '*/5 * * * *' }]);
    const session = (await call('POST', '/workers/scripts/api/assets-upload-session', { manifest: { '/index.html': { hash: 'a'.repeat(32), size: 1 } } }))!.result as { jwt: string };
    const assets = new FormData();
    assets.set('a'.repeat(32), 'aGk=');
    const uploaded = await fetch(`${base}/workers/assets/upload?base64=true`, { method: 'POST', headers: { authorization: `Bearer ${session.jwt}` }, body: assets });
    expect(uploaded.status).toBe(200);
    await call('PUT', '/workers/scripts/api/routes', [{ pattern: 'example.com/api/*', zone_name: 'example.com' }]);
    await call('GET', '/workers/scripts/api/routes');
    const zonesResponse = await fetch(`${api.url}/zones?name=example.com`, { headers: { authorization: `Bearer ${api.token}` } });
    const zones: { result: { id: string }[] } = await zonesResponse.json();
    await fetch(`${api.url}/zones/${zones.result[0].id}/workers/routes`, { headers: { authorization: `Bearer ${api.token}` } });
    const tail = (await call('POST', '/workers/scripts/api/tails', { filters: [] }))!.result as { id: string };
    await call('GET', '/workers/scripts/api/tails');
    await call('DELETE', `/workers/scripts/api/tails/${tail.id}`);

    await call('PUT', '/workers/dispatch/namespaces/tenants/scripts/t1', upload());
    await call('GET', '/workers/dispatch/namespaces/tenants');
    await call('GET', '/workers/dispatch/namespaces/tenants/scripts/t1');
    await call('PUT', '/workers/dispatch/namespaces/tenants/scripts/t1/secrets', { name: 'TOKEN', text: 'v', type: 'secret_text' });
    await call('GET', '/workers/dispatch/namespaces/tenants/scripts/t1/secrets');
    await call('GET', '/workers/dispatch/namespaces/tenants/scripts/t1/settings');
    await call('PATCH', '/workers/dispatch/namespaces/tenants/scripts/t1/settings', settings);
    await call('POST', '/workers/dispatch/namespaces/tenants/scripts/t1/assets-upload-session', { manifest: {} });

    const ns = (await call('POST', '/storage/kv/namespaces', { title: 'cache' }))!.result as { id: string };
    await call('GET', '/storage/kv/namespaces');
    await call('PUT', `/storage/kv/namespaces/${ns.id}/bulk`, [{ key: 'a', value: '1' }, { key: 'b', value: '2' }]);
    const value = new FormData();
    value.set('value', '3');
    value.set('metadata', '{}');
    await call('PUT', `/storage/kv/namespaces/${ns.id}/values/c`, value);
    await call('GET', `/storage/kv/namespaces/${ns.id}/keys`);
    await call('POST', `/storage/kv/namespaces/${ns.id}/bulk/get`, { keys: ['a', 'b'] });
    const valueResponse = await fetch(`${base}/storage/kv/namespaces/${ns.id}/values/c`, { headers: { authorization: `Bearer ${api.token}` } });
    expect(await valueResponse.text()).toBe('3'); // a value is its bytes, not an envelope
    await call('DELETE', `/storage/kv/namespaces/${ns.id}/values/c`);
    await call('DELETE', `/storage/kv/namespaces/${ns.id}/bulk`, ['a']);
    await call('DELETE', `/storage/kv/namespaces/${ns.id}`);

    const db = (await call('POST', '/d1/database', { name: 'main' }))!.result as { uuid: string };
    await call('GET', '/d1/database');
    await call('GET', `/d1/database/${db.uuid}`);
    expect(((await call('GET', '/d1/database/main'))!.result as { uuid: string }).uuid).toBe(db.uuid); // by name, as wrangler d1 info asks
    await call('POST', `/d1/database/${db.uuid}/query`, { sql: 'CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1); SELECT * FROM t' });
    // Export and import answer "active" with a bookmark first; asked again with it, "complete".
    const exporting = (await call('POST', `/d1/database/${db.uuid}/export`, { output_format: 'polling' }))!.result as { status: string; at_bookmark: string };
    expect(exporting.status).toBe('active');
    const pollUntilDone = async (path: string, body: Record<string, unknown>) => {
      for (let i = 0; i < 100; i++) {
        const answer = (await call('POST', path, body))!.result as { status: string };
        if (answer.status !== 'active') return answer;
      }
      throw new Error(`${path} stayed active`);
    };
    const exported = (await pollUntilDone(`/d1/database/${db.uuid}/export`, { output_format: 'polling', current_bookmark: exporting.at_bookmark })) as { status: string; result: { signed_url: string } };
    expect(exported.status).toBe('complete');
    expect(await fetch(exported.result.signed_url).then((r) => r.text())).toContain('INSERT INTO "t" VALUES(1);');
    const init = (await call('POST', `/d1/database/${db.uuid}/import`, { action: 'init', etag: 'e' }))!.result as { filename: string; upload_url: string };
    await fetch(init.upload_url, { method: 'PUT', body: 'INSERT INTO t VALUES (2);' });
    const importing = (await call('POST', `/d1/database/${db.uuid}/import`, { action: 'ingest', etag: 'e', filename: init.filename }))!.result as { status: string; at_bookmark: string };
    expect(importing.status).toBe('active');
    // The database serves no query until the import is done: this one sees its row.
    const during = (await call('POST', `/d1/database/${db.uuid}/query`, { sql: 'SELECT count(*) AS n FROM t' }))!.result as { results: { n: number }[] }[];
    expect(during[0].results[0].n).toBe(2);
    const imported = await pollUntilDone(`/d1/database/${db.uuid}/import`, { action: 'poll', current_bookmark: importing.at_bookmark });
    expect(imported.status).toBe('complete');
    // Time Travel: the bookmark now, then back to it after a write.
    const { bookmark } = (await call('GET', `/d1/database/${db.uuid}/time_travel/bookmark`))!.result as { bookmark: string };
    await call('POST', `/d1/database/${db.uuid}/query`, { sql: 'DELETE FROM t' });
    const restored = (await call('POST', `/d1/database/${db.uuid}/time_travel/restore?bookmark=${bookmark}`))!.result as { previous_bookmark: string };
    expect(restored.previous_bookmark).not.toBe(bookmark);
    const rows = (await call('POST', `/d1/database/${db.uuid}/query`, { sql: 'SELECT count(*) AS n FROM t' }))!.result as { results: { n: number }[] }[];
    expect(rows[0].results[0].n).toBe(2);
    await call('DELETE', `/d1/database/${db.uuid}`);

    await call('POST', '/r2/buckets', { name: 'files' });
    await call('GET', '/r2/buckets');
    await call('GET', '/r2/buckets/files');
    await call('GET', '/r2/buckets/files/objects');
    await call('DELETE', '/r2/buckets/files');

    const queue = (await call('POST', '/queues', { queue_name: 'jobs' }))!.result as { queue_id: string };
    await call('GET', '/queues');
    await call('GET', `/queues/${queue.queue_id}`);
    await call('DELETE', `/queues/${queue.queue_id}`);
    await call('DELETE', '/workers/scripts/api');

    // Every route was called, and every answer of a route the schema publishes conforms to it.
    const answered = new Set(api.responses.filter((r) => r.status < 300).map((r) => r.route));
    expect(api.routes().filter((route) => !answered.has(route))).toEqual([]);
    const departures = api.responses
      .filter((r) => r.status < 300 && schema.routes[r.route])
      .flatMap((r) =>
        responseErrors(r.body, schema.routes[r.route], schema.definitions)
          .filter((e) => !BEYOND_SCHEMA.some((allowed) => allowed.route.test(r.route) && allowed.departure.test(e)))
          .map((e) => `${r.route} (${schema.routes[r.route].sdk}): ${e}`),
      );
    expect(departures).toEqual([]);
    // The routes the schema does not publish are exactly the ones the README lists as such.
    expect(api.routes().filter((route) => !schema.routes[route]).sort()).toEqual(schema.notInSchema);
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    expect(api.routes().filter((route) => !readme.includes(`| \`${route}\` |`))).toEqual([]);
  });

  it('a token the API does not accept, or an account the token cannot reach, is 403 with code 10000; a crash is 500 with 10013', async () => {
    const refused = async (path: string, token: string) => {
      const response = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      const body: { errors: { code: number }[] } = await response.json();
      return [response.status, body.errors[0]?.code];
    };
    expect(await refused(`/accounts/${api.accountId}/workers/scripts`, 'someone-elses-token')).toEqual([403, 10000]);
    expect(await refused(`/accounts/ffffffffffffffffffffffffffffffff/workers/scripts`, api.token)).toEqual([403, 10000]);
    expect(await refused(`/accounts/${api.accountId}/workers/scripts`, api.token)).toEqual([200, undefined]);
    await call('PUT', '/workers/scripts/crashy', upload());
    const broken = new FormData();
    broken.set('settings', '{ not json');
    const crash = await fetch(`${base}/workers/scripts/crashy/settings`, { method: 'PATCH', headers: { authorization: `Bearer ${api.token}` }, body: broken });
    expect(crash.status).toBe(500);
    const crashed: { errors: { code: number }[] } = await crash.json();
    expect(crashed.errors[0].code).toBe(10013);
  });

  it('the checker itself rejects what Cloudflare would not send', () => {
    const route = schema.routes['PATCH /accounts/:account/workers/scripts/:name/secrets-bulk'];
    expect(responseErrors({ success: true, errors: [], messages: [], result: [{ name: 'A', type: 'secret_text' }] }, route, schema.definitions)).not.toEqual([]);
    const list = schema.routes['GET /accounts/:account/d1/database'];
    expect(responseErrors({ success: true, errors: [], messages: [], result: [{ uuid: 'u', name: 'n', created_on: 'x' }], result_info: { page: 1, per_page: 100 } }, list, schema.definitions)).toContain('result[0].created_on: not in the schema');
    expect(schemaErrors({ a: 1 }, { type: 'object', properties: { a: { type: 'string' } } }, {})).toEqual(['result.a: number where the schema has string']);
  });
});
