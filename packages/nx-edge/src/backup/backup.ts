import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { formatBytes } from '../build/size-report';
import { environmentNames, readWranglerConfig, resolveEnvironment } from '../config/wrangler-config';
import { configArgs } from '../wrangler/wrangler-args';
import { apiAccessFrom, apiJson, listCursorPages, type ApiAccess } from './cloudflare-api';
import { eachLimited, r2S3Access, r2S3Client, type R2S3Options } from './r2-s3';
import { wranglerOk, type RunWrangler } from '../wrangler/wrangler-cli';
import { jsonFromOutput } from '../wrangler/wrangler-output';
import { UserError } from '../utils/user-error';
import { authenticateManifest, BACKUP_KEY_VARIABLE, backupStamp, encrypt, listBackups, MANIFEST_FILE, sha256, type BackupManifest, type BackupResource } from './backup-files';

export const DEFAULT_BACKUP_DIR = 'backups';

export interface BackupInput {
  workspaceRoot: string;
  project: string;
  /** Workspace-relative. */
  projectRoot: string;
  configFile: string;
  env?: string;
  /** Workspace-relative root of all backups (default `backups`). */
  dir?: string;
  /** Keep this many newest backups of this project and env; older ones are deleted after a successful backup. */
  keep?: number;
}

export interface BackupDeps {
  runWrangler: RunWrangler;
  log: (line: string) => void;
  now?: () => Date;
  /** Where the passphrase is read from (NX_EDGE_BACKUP_KEY); process.env in the executor. */
  environment?: Record<string, string | undefined>;
  wranglerVersion: string;
  fetch?: typeof fetch;
  /** R2 objects moved at once through the S3 API (default 8). */
  r2Concurrency?: number;
  r2?: R2S3Options;
}

/** Every key of a KV namespace (`wrangler kv key list`). */
export async function listKvKeys(runWrangler: RunWrangler, namespaceId: string, where: string[], cwd: string): Promise<string[]> {
  const listed = await wranglerOk(runWrangler, ['kv', 'key', 'list', '--namespace-id', namespaceId, '--remote', ...where], cwd, `wrangler kv key list of namespace ${namespaceId}`);
  return jsonFromOutput<{ name: string }[]>(listed, `the keys of ${namespaceId}`).map((k) => k.name);
}

/**
 * Every key of a KV namespace through the API's cursor pages (1,000 keys a page): a page refused with 429 is
 * asked again after a wait, so a list longer than the request budget still finishes (a `wrangler kv key
 * list` refused half-way can only start over).
 */
export async function listKvKeysThroughApi(access: ApiAccess, namespaceId: string): Promise<string[]> {
  const keys = await listCursorPages<{ name: string }>(access, `/storage/kv/namespaces/${encodeURIComponent(namespaceId)}/keys?limit=1000`, `listing the keys of KV namespace ${namespaceId}`);
  return keys.map((k) => k.name);
}

/** Values of up to 100 keys (the API's bulk get, what `wrangler kv bulk get` calls), as text; null when gone. */
export async function getKvValuesThroughApi(access: ApiAccess, namespaceId: string, keys: string[]): Promise<Record<string, string | null>> {
  const { result } = await apiJson<{ values: Record<string, string | null> }>(access, `/storage/kv/namespaces/${encodeURIComponent(namespaceId)}/bulk/get`, `reading keys of KV namespace ${namespaceId}`, { method: 'POST', body: JSON.stringify({ keys, type: 'text' }) });
  return result.values;
}

/** Every object key of a bucket, from the API's List Objects endpoint (cursor pages). */
export async function listR2Objects(access: ApiAccess, bucket: string): Promise<string[]> {
  const objects = await listCursorPages<{ key: string }>(access, `/r2/buckets/${encodeURIComponent(bucket)}/objects?per_page=1000`, `listing the objects of R2 bucket ${bucket}`);
  return objects.map((o) => o.key);
}

/** The rows a dump loads: its INSERTs, without sqlite_sequence's (AUTOINCREMENT counters, no data of the user's). */
export function dumpRowCount(sql: string): number {
  return (sql.match(/^INSERT INTO (?!"?sqlite_sequence"?[ (V])/gm) ?? []).length;
}

/** Applied migration names in a `wrangler d1 export` dump (its d1_migrations rows), oldest first. */
export function migrationsInDump(sql: string): string[] {
  const names: string[] = [];
  // With a column list (older dumps) or without (D1's and Miniflare's dump code: `INSERT INTO "t" VALUES(…)`).
  for (const match of sql.matchAll(/^INSERT INTO "?d1_migrations"?(?: \([^)]*\))? VALUES\(\d+,'((?:[^']|'')*)'/gm)) names.push(match[1].replace(/''/g, "'"));
  return names;
}

/**
 * The backups folder keeps its content out of git (a `.gitignore` of `*`, written once): a backup is
 * the env's data, and `git add -A` must not publish it.
 */
function protectBackupRoot(root: string): void {
  mkdirSync(root, { recursive: true });
  const ignore = join(root, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '# nx-edge backups hold your data (D1, KV, R2): never commit them.\n*\n');
}

/** The folder of a project's backups in one env: <dir>/<env or "top-level">/<project>. */
export function projectBackupDir(workspaceRoot: string, dir: string | undefined, env: string | undefined, project: string): string {
  // An absolute --dir is the user's own folder, honoured; a relative one is the workspace's.
  return join(resolve(workspaceRoot, dir ?? DEFAULT_BACKUP_DIR), env || 'top-level', project);
}

/**
 * Exports every D1 database and KV namespace the Worker binds in `env` into a new folder with a
 * manifest (sizes, sha256 of each file, wrangler version), encrypted when NX_EDGE_BACKUP_KEY is set.
 * The folder appears complete or not at all; retention runs only after a backup succeeded.
 */
export async function runBackup(input: BackupInput, deps: BackupDeps): Promise<BackupManifest | undefined> {
  const env = input.env || undefined;
  const { config } = readWranglerConfig(input.configFile);
  const resolved = resolveEnvironment(config, env);
  const worker = resolved.name ?? input.project;
  const projectDir = join(input.workspaceRoot, input.projectRoot);
  const configRelative = relative(input.workspaceRoot, input.configFile);
  const where = configArgs(input.configFile, environmentNames(config).length > 0, env);
  const passphrase = (deps.environment ?? process.env)[BACKUP_KEY_VARIABLE] || undefined;

  const skipped: BackupManifest['skipped'] = [];
  // wrangler (4.86 to 4.164, measured) can get, put and delete R2 objects but has no command that lists
  // a bucket's objects: the list comes from the API's List Objects endpoint, with wrangler's CI token.
  const environment = deps.environment ?? process.env;
  const token = environment.CLOUDFLARE_API_TOKEN;
  const accountId = environment.CLOUDFLARE_ACCOUNT_ID ?? config.account_id;
  const r2 = (resolved.r2_buckets ?? []).filter((bucket) => {
    if ((token || (environment.R2_ACCESS_KEY_ID && environment.R2_SECRET_ACCESS_KEY)) && accountId && bucket.bucket_name) return true;
    skipped.push({ kind: 'r2', binding: bucket.binding, name: bucket.bucket_name ?? '?', reason: 'listing its objects needs CLOUDFLARE_API_TOKEN (or R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY) and CLOUDFLARE_ACCOUNT_ID (or account_id in the config): wrangler has no command that lists them' });
    return false;
  });
  const d1 = resolved.d1_databases ?? [];
  const kv = resolved.kv_namespaces ?? [];
  const missingIds = [...d1.filter((d) => !d.database_name).map((d) => `d1_databases ${d.binding} has no database_name`), ...kv.filter((k) => !k.id).map((k) => `kv_namespaces ${k.binding} has no id`)];
  if (missingIds.length) throw new UserError(`cannot back up ${worker}${env ? ` (env ${env})` : ''}: in ${configRelative}, ${missingIds.join('; ')}. Run nx run ${input.project}:provision${env ? ` -c ${env}` : ''} first.`);
  for (const s of skipped) deps.log(`– R2 bucket ${s.name} (binding ${s.binding}) not backed up: ${s.reason}`);
  if (d1.length === 0 && kv.length === 0 && r2.length === 0) {
    deps.log(`nothing to back up: ${worker}${env ? ` (env ${env})` : ''} binds no D1 database, KV namespace or R2 bucket it can read.`);
    return undefined;
  }

  const createdAt = (deps.now ?? (() => new Date()))();
  const home = projectBackupDir(input.workspaceRoot, input.dir, env, input.project);
  const finalDir = join(home, backupStamp(createdAt));
  if (existsSync(finalDir)) throw new UserError(`${relative(input.workspaceRoot, finalDir)} exists already: one backup per second per project and env.`);
  const partial = `${finalDir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  protectBackupRoot(resolve(input.workspaceRoot, input.dir ?? DEFAULT_BACKUP_DIR));
  // Only the owner may enter a backup: it holds the env's data (files inside are then out of reach too).
  mkdirSync(partial, { recursive: true, mode: 0o700 });
  const resources: BackupResource[] = [];
  const store = (file: string, plain: Buffer, resource: Omit<BackupResource, 'file' | 'bytes' | 'sha256'>) => {
    const stored = passphrase ? encrypt(plain, passphrase) : plain;
    const name = passphrase ? `${file}.enc` : file;
    writeFileSync(join(partial, name), stored);
    resources.push({ ...resource, file: name, bytes: stored.length, sha256: sha256(stored) });
  };
  try {
    for (const db of d1) {
      const out = join(partial, `d1-${db.binding}.sql`);
      await wranglerOk(deps.runWrangler, ['d1', 'export', db.database_name!, '--remote', '--output', out, ...where], projectDir, `wrangler d1 export of ${db.database_name} (binding ${db.binding})`);
      if (!existsSync(out)) throw new UserError(`wrangler d1 export of ${db.database_name} (binding ${db.binding}) wrote no file.`);
      const dump = readFileSync(out);
      rmSync(out);
      const text = dump.toString('utf8');
      store(`d1-${db.binding}.sql`, dump, { kind: 'd1', binding: db.binding, name: db.database_name!, id: db.database_id, count: dumpRowCount(text), migrations: migrationsInDump(text) });
    }
    // With the token at hand, KV is read through the API page by page and 100 keys a request (each page or
    // request waits out a 429 by itself); otherwise through wrangler (its login).
    const api = apiAccessFrom(environment, accountId, deps.fetch ?? fetch);
    for (const ns of kv) {
      const keys = api ? await listKvKeysThroughApi(api, ns.id!) : await listKvKeys(deps.runWrangler, ns.id!, where, projectDir);
      const entries: { key: string; value: string }[] = [];
      for (let i = 0; i < keys.length; i += 100) {
        const chunk = keys.slice(i, i + 100);
        let values: Record<string, string | null>;
        if (api) values = await getKvValuesThroughApi(api, ns.id!, chunk);
        else {
          const keysFile = join(partial, `.keys-${ns.binding}.json`);
          writeFileSync(keysFile, JSON.stringify(chunk));
          const got = await wranglerOk(deps.runWrangler, ['kv', 'bulk', 'get', keysFile, '--namespace-id', ns.id!, '--remote', ...where], projectDir, `wrangler kv bulk get of namespace ${ns.id} (binding ${ns.binding})`).finally(() => rmSync(keysFile, { force: true }));
          values = jsonFromOutput<Record<string, string | null>>(got, `the values of ${ns.id}`);
        }
        for (const key of chunk) if (values[key] !== null && values[key] !== undefined) entries.push({ key, value: String(values[key]) });
      }
      store(`kv-${ns.binding}.json`, Buffer.from(`${JSON.stringify(entries, null, 1)}\n`), { kind: 'kv', binding: ns.binding, name: ns.id!, id: ns.id, count: entries.length });
    }
    // R2's S3 API when its credentials are at hand (derived from the token): a few objects at a time, outside
    // the API's request budget. Without them, the API's list and one wrangler process per object.
    const s3Access = r2.length ? await r2S3Access(environment, accountId!, deps.fetch ?? fetch) : undefined;
    const s3 = s3Access ? r2S3Client(s3Access, deps.fetch ?? fetch, deps.r2) : undefined;
    for (const bucket of r2) {
      // Without S3 credentials the filter above left only buckets the token can list (`api`).
      const keys = s3 ? await s3.list(bucket.bucket_name!) : await listR2Objects(api!, bucket.bucket_name!);
      const folder = `r2-${bucket.binding}`;
      mkdirSync(join(partial, folder), { mode: 0o700 });
      const objects: NonNullable<BackupResource['objects']> = [];
      // Eight objects at a time through S3; one wrangler process at a time otherwise.
      await eachLimited(keys, s3 ? (deps.r2Concurrency ?? 8) : 1, async (key, i) => {
        const file = `${folder}/${String(i + 1).padStart(6, '0')}`;
        let plain: Buffer;
        if (s3) plain = await s3.get(bucket.bucket_name!, key);
        else {
          await wranglerOk(deps.runWrangler, ['r2', 'object', 'get', `${bucket.bucket_name}/${key}`, '--remote', '--file', join(partial, file), ...where], projectDir, `wrangler r2 object get of ${bucket.bucket_name}/${key} (binding ${bucket.binding})`);
          plain = readFileSync(join(partial, file));
        }
        const stored = passphrase ? encrypt(plain, passphrase) : plain;
        writeFileSync(join(partial, file), stored, { mode: 0o600 });
        objects[i] = { file, bytes: stored.length, sha256: sha256(stored) };
      });
      const index = keys.map((key, i) => ({ key, file: objects[i].file }));
      store(`r2-${bucket.binding}.json`, Buffer.from(`${JSON.stringify(index, null, 1)}\n`), { kind: 'r2', binding: bucket.binding, name: bucket.bucket_name!, count: keys.length });
      resources.at(-1)!.objects = objects;
    }
    const manifest: BackupManifest = {
      format: 1,
      project: input.project,
      projectRoot: input.projectRoot,
      worker,
      env: env ?? '',
      createdAt: createdAt.toISOString(),
      wranglerVersion: deps.wranglerVersion,
      encrypted: !!passphrase,
      resources,
      skipped,
    };
    writeFileSync(join(partial, MANIFEST_FILE), `${JSON.stringify(passphrase ? authenticateManifest(manifest, passphrase) : manifest, null, 2)}\n`);
    renameSync(partial, finalDir);
    const parts = resources.map((r) => (r.kind === 'd1' ? `D1 ${r.name} (${r.binding}) ${r.count} rows` : r.kind === 'kv' ? `KV ${r.name.slice(0, 8)}… (${r.binding}) ${r.count} keys` : `R2 ${r.name} (${r.binding}) ${r.count} objects`));
    const total = resources.reduce((n, r) => n + r.bytes + (r.objects ?? []).reduce((m, o) => m + o.bytes, 0), 0);
    deps.log(`✔ backed up ${input.project} (${env ?? 'top level'}): ${parts.join(', ')} — ${formatBytes(total)}${passphrase ? ', encrypted' : ''} → ${relative(input.workspaceRoot, finalDir)}`);
    if (input.keep !== undefined) {
      const old = listBackups(home).slice(input.keep);
      for (const name of old) rmSync(join(home, name), { recursive: true, force: true });
      if (old.length) deps.log(`retention (--keep=${input.keep}): removed ${old.length} older backup${old.length === 1 ? '' : 's'}: ${old.join(', ')}`);
    }
    return manifest;
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw error;
  }
}
