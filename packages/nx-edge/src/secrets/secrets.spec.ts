// Real wrangler against the fake Cloudflare API. Every line printed and every byte the fake
// recorded is searched for the secret values.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeApiEnv, startFakeCloudflareApi, type FakeCloudflareApi } from '../../../../test-support/fake-cloudflare/fake-cloudflare-api';
import { createWranglerRunner, type RunWrangler } from '../wrangler/wrangler-cli';
import { redact } from './dotenv';
import { runSecrets } from './secrets';

const VALUE = 'sk_live_DO-NOT-PRINT-4242';
const OTHER = 'p@ss w0rd "quoted"';

let api: FakeCloudflareApi;
let root: string;
let printed: string[];
let argvSeen: string[][];

beforeEach(async () => {
  api = await startFakeCloudflareApi();
  root = mkdtempSync(join(tmpdir(), 'nx-edge-secrets-'));
  mkdirSync(join(root, '.home', 'tmp'), { recursive: true });
  mkdirSync(join(root, 'apps/api'), { recursive: true });
  writeFileSync(join(root, 'apps/api/wrangler.jsonc'), JSON.stringify({ name: 'api', main: 'src/index.ts', env: { staging: {}, production: {} } }));
  printed = [];
  argvSeen = [];
});

afterEach(async () => {
  await api.close();
  rmSync(root, { recursive: true, force: true });
});

function secrets(action: string, extra: { key?: string; env?: string; value?: string; file?: string; extraArgument?: string } = {}) {
  const real = createWranglerRunner(root, {
    ...fakeApiEnv(api),
    XDG_CONFIG_HOME: join(root, '.home'),
    WRANGLER_REGISTRY_PATH: join(root, '.home', 'registry'),
    TMPDIR: join(root, '.home', 'tmp'),
  });
  const runWrangler: RunWrangler = async (args, options) => {
    argvSeen.push(args);
    const result = await real(args, options);
    printed.push(result.stdout, result.stderr);
    return result;
  };
  return runSecrets(
    { workspaceRoot: root, project: 'api', projectRoot: 'apps/api', configFile: join(root, 'apps/api/wrangler.jsonc'), action, key: extra.key, env: extra.env ?? 'staging', file: extra.file, extraArgument: extra.extraArgument },
    { runWrangler, log: (line) => printed.push(line), readValue: async () => extra.value ?? '' },
  );
}

function everythingWritten(): string {
  return [printed.join('\n'), JSON.stringify(api.requests), JSON.stringify(argvSeen)].join('\n');
}

describe('secrets (real wrangler, fake Cloudflare API)', { timeout: 120_000 }, () => {
  it('set sends the value through stdin; list shows names only; delete removes; nothing prints the value', async () => {
    await secrets('set', { key: 'API_KEY', value: VALUE });
    const script = api.script('api-staging')!;
    expect(script.secrets.get('API_KEY')).toBe(api.digest(VALUE));
    printed.length = 0;
    await secrets('list');
    expect(printed.filter((l) => l.startsWith('  '))).toEqual(['  API_KEY']);
    await secrets('delete', { key: 'API_KEY' });
    expect(script.secrets.size).toBe(0);
    expect(everythingWritten()).not.toContain(VALUE);
    expect(everythingWritten()).not.toContain('DO-NOT-PRINT');
  });

  it('during a gradual rollout Cloudflare refuses secret edits (10215): the user is told the sequence that works, nothing changed, nothing printed', async () => {
    await secrets('set', { key: 'API_KEY', value: 'first-value' });
    const script = api.script('api-staging')!;
    // A rollout in progress: the newest version serves 10 %, the stable one 90 %.
    const version = (id: string, number: number) => ({ id, number, created_on: new Date().toISOString(), bindings: [], targets: {}, bytes: 0 });
    script.versions.push(version('stable-0000', 1), version('new-11111', 2));
    script.deployments.push({ id: 'dep-1', created_on: new Date().toISOString(), source: 'api', versions: [{ version_id: 'new-11111', percentage: 10 }, { version_id: 'stable-0000', percentage: 90 }] });
    const fix = "api-staging's latest version is not the one serving all traffic (a gradual rollout is in progress, or a version was uploaded without being deployed), and Cloudflare refuses secret edits until it is: nothing was changed. Finish the rollout first — nx-edge promote api -c staging (the new version to 100 %) or nx-edge rollback api -c staging — then run this again.";
    await expect(secrets('set', { key: 'API_KEY', value: VALUE })).rejects.toThrow(fix);
    await expect(secrets('delete', { key: 'API_KEY' })).rejects.toThrow(fix);
    expect(script.secrets.get('API_KEY')).toBe(api.digest('first-value'));
    expect(everythingWritten()).not.toContain(VALUE);
  });

  it('push uploads every key of .dev.vars.<env> in one bulk call', async () => {
    writeFileSync(join(root, 'apps/api/.dev.vars.staging'), `# staging values\nAPI_KEY=${VALUE}\nDB_PASSWORD='${OTHER}'\n`); // single quotes: literal, as wrangler reads them
    await secrets('set', { key: 'KEEP_ME', value: 'kept-value' });
    await secrets('push');
    const script = api.script('api-staging')!;
    expect([...script.secrets.keys()].sort()).toEqual(['API_KEY', 'DB_PASSWORD', 'KEEP_ME']);
    expect(script.secrets.get('API_KEY')).toBe(api.digest(VALUE));
    expect(script.secrets.get('DB_PASSWORD')).toBe(api.digest(OTHER));
    expect(api.calls('/workers/scripts/api-staging/settings', 'PATCH')).toHaveLength(1);
    expect(printed.join('\n')).toContain('pushed 2 secrets from apps/api/.dev.vars.staging to api-staging (env staging): API_KEY, DB_PASSWORD');
    expect(everythingWritten()).not.toContain(VALUE);
    expect(everythingWritten()).not.toContain(OTHER);
  });

  it('refuses an empty value and tells how to pipe one, without calling wrangler', async () => {
    await expect(secrets('set', { key: 'API_KEY', value: '' })).rejects.toThrow(
      'No value for API_KEY on stdin. Pipe it in: printf %s "$VALUE" | nx run api:secrets --configuration=staging set API_KEY (never put a secret on the command line).',
    );
    await expect(secrets('rotate')).rejects.toThrow(/Unknown secrets action "rotate"/);
    expect(argvSeen).toEqual([]);
  });

  it('refuses a value typed on the command line without printing it', async () => {
    const errors: string[] = [];
    await secrets('set', { key: 'API_KEY', extraArgument: VALUE, value: 'from-stdin' }).catch((e: Error) => errors.push(e.message));
    await secrets('set', { key: `API_KEY=${VALUE}`, value: 'from-stdin' }).catch((e: Error) => errors.push(e.message));
    await secrets('set', { key: `API_KEY ${VALUE}`, value: 'from-stdin' }).catch((e: Error) => errors.push(e.message));
    expect(errors).toHaveLength(3);
    expect(errors[0]).toContain('the extra word was not used and is not printed');
    expect(errors[1]).toContain('"API_KEY=…" puts a value on the command line');
    expect(errors[2]).toBe("The secret's name is not valid (it is not printed, in case it holds a value): use letters, digits and _ (e.g. API_KEY).");
    expect(errors.join('\n')).not.toContain('DO-NOT-PRINT');
    expect(argvSeen).toEqual([]);
  });

  it('push --file honours an absolute path (not re-rooted under the project)', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'nx-edge-abs-'));
    try {
      writeFileSync(join(outside, 'staging.env'), `API_KEY=${VALUE}\n`);
      await secrets('push', { file: join(outside, 'staging.env') });
      expect([...api.script('api-staging')!.secrets.keys()]).toEqual(['API_KEY']);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('redact', () => {
  it('removes values from text', () => {
    expect(redact('token sk_live_1 leaked', ['sk_live_1'])).toBe('token [redacted] leaked');
  });
});
