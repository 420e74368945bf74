import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { formatBytes } from '../build/size-report';
import { environmentNames, findWranglerConfig, readWranglerConfig, resolveEnvironment } from '../config/wrangler-config';
import { configArgs } from '../wrangler/wrangler-args';
import { wranglerOk, type RunWrangler } from '../wrangler/wrangler-cli';
import { jsonFromOutput } from '../wrangler/wrangler-output';
import { UserError } from '../utils/user-error';
import { inertText } from '../logs/inert-text';
import { listKvKeys, listKvKeysThroughApi, listR2Objects, dumpRowCount } from './backup';
import { apiAccessFrom } from './cloudflare-api';
import { eachLimited, r2S3Access, r2S3Client, type R2S3Access, type R2S3Options } from './r2-s3';
import { BACKUP_KEY_VARIABLE, backupFilePath, decrypt, MANIFEST_FILE, readManifest, verifyBackup, verifyManifestAuthentication, type BackupManifest, type BackupResource } from './backup-files';

export interface RestoreDeps {
  runWrangler: RunWrangler;
  log: (line: string) => void;
  environment?: Record<string, string | undefined>;
  fetch?: typeof fetch;
  /** R2 objects moved at once through the S3 API (default 8). */
  r2Concurrency?: number;
  r2?: R2S3Options;
}

/** One resource to overwrite, with what it holds now. */
export interface RestoreStep {
  resource: BackupResource;
  /** What the backup's binding points at in the target env (D1 name, KV namespace id). */
  target: string;
  /** D1: the tables it has now; KV: its keys now. */
  current: string[];
  /** D1: the views it has now (dropped before the tables). */
  views?: string[];
  /** D1: migrations applied now that the backup does not have. */
  newerMigrations: string[];
  content: Buffer;
  /** R2: each object of the backup, decrypted. */
  objects?: { key: string; content: Buffer }[];
}

export interface RestorePlan {
  dir: string;
  manifest: BackupManifest;
  env?: string;
  /** `--config … --env …` for every wrangler call on the targets. */
  where: string[];
  steps: RestoreStep[];
  bytes: number;
  /** A rough duration: a few seconds per resource plus ~1 MB/s. */
  estimateSeconds: number;
  risks: string[];
  /** R2's S3 credentials, when objects move through the S3 API (kept in memory, never printed). */
  r2Access?: R2S3Access;
}

// Tables and views (a view is not dropped with its tables; indexes and triggers are).
const SCHEMA_SQL = "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name";
// Schema first: the data a KV namespace caches is derived from the database, never the other way round.
const ORDER: Record<BackupResource['kind'], number> = { d1: 0, kv: 1, r2: 2 };

async function d1Rows(deps: RestoreDeps, name: string, sql: string, where: string[], cwd: string): Promise<Record<string, unknown>[] | undefined> {
  const result = await deps.runWrangler(['d1', 'execute', name, '--remote', '--command', sql, '--json', ...where], { cwd });
  if (result.code !== 0) return undefined;
  const parsed = jsonFromOutput<{ results?: Record<string, unknown>[] }[]>(result.stdout, `the answer of ${name}`);
  return parsed.flatMap((r) => r.results ?? []);
}

/**
 * Checks the backup (every checksum, then decryption) before anything else, reads what each target
 * holds now, and says what will be overwritten, in order, with size, time and risks. Writes nothing.
 */
export async function planRestore(dir: string, env: string | undefined, workspaceRoot: string, deps: RestoreDeps): Promise<RestorePlan> {
  const manifest = readManifest(dir);
  const passphrase = (deps.environment ?? process.env)[BACKUP_KEY_VARIABLE] || undefined;
  const shown = relative(workspaceRoot, dir) || dir;
  if (manifest.encrypted && !passphrase) throw new UserError(`${shown} is encrypted: set ${BACKUP_KEY_VARIABLE} to the key it was made with. Nothing was written.`);
  if (!manifest.encrypted && passphrase) {
    // With the key at hand a user expects an encrypted, authenticated backup: one that says it is not may have been swapped.
    throw new UserError(`${shown} is not encrypted, so its manifest cannot be authenticated with ${BACKUP_KEY_VARIABLE}. If you expected an encrypted backup, it may have been replaced; to restore this unencrypted one, run again without ${BACKUP_KEY_VARIABLE}. Nothing was written.`);
  }
  if (manifest.encrypted) verifyManifestAuthentication(manifest, passphrase!, join(shown, MANIFEST_FILE));
  const damaged = verifyBackup(dir, manifest);
  if (damaged.length) throw new UserError(`refusing to restore ${shown}: the backup is damaged, nothing was written:\n${damaged.map((d) => `  - ${d}`).join('\n')}`);
  const read = (file: string) => {
    const path = backupFilePath(dir, file);
    if (!path) throw new UserError(`${file} is missing from ${shown}; nothing was written.`);
    const stored = readFileSync(path);
    return manifest.encrypted ? decrypt(stored, passphrase!, file) : stored;
  };
  const contents = manifest.resources.map((r) => read(r.file));
  // Counts come from the data, never from the manifest's say-so.
  const resources = manifest.resources.map((r, i) => ({ ...r, count: countInData(r, contents[i]) }));

  const projectDir = join(workspaceRoot, manifest.projectRoot);
  const configFile = findWranglerConfig(projectDir);
  if (!configFile) throw new UserError(`${manifest.projectRoot} (project ${manifest.project} of this backup) has no wrangler config in this workspace.`);
  const { config } = readWranglerConfig(configFile);
  const resolved = resolveEnvironment(config, env);
  const where = configArgs(configFile, environmentNames(config).length > 0, env);
  const steps: RestoreStep[] = [];
  let r2Access: R2S3Access | null | undefined;
  for (const [i, resource] of resources.entries()) {
    if (resource.kind === 'd1') {
      const target = (resolved.d1_databases ?? []).find((d) => d.binding === resource.binding)?.database_name;
      if (!target) throw new UserError(`${relative(workspaceRoot, configFile)} binds no D1 database as ${resource.binding}${env ? ` in env ${env}` : ''}: nowhere to restore ${resource.file} to.`);
      const schema = await d1Rows(deps, target, SCHEMA_SQL, where, projectDir);
      if (!schema) throw new UserError(`could not read the tables of D1 database ${target}: is it provisioned? (nx run ${manifest.project}:provision${env ? ` -c ${env}` : ''})`);
      const names = schema.filter((o) => o.type === 'table').map((t) => String(t.name));
      const views = schema.filter((o) => o.type === 'view').map((v) => String(v.name));
      const migrations = names.includes('d1_migrations') ? ((await d1Rows(deps, target, 'SELECT name FROM d1_migrations ORDER BY id', where, projectDir)) ?? []).map((m) => String(m.name)) : [];
      steps.push({ resource, target, current: names, views, newerMigrations: migrations.filter((m) => !(resource.migrations ?? []).includes(m)), content: contents[i] });
    } else if (resource.kind === 'r2') {
      const target = (resolved.r2_buckets ?? []).find((b) => b.binding === resource.binding)?.bucket_name;
      if (!target) throw new UserError(`${relative(workspaceRoot, configFile)} binds no R2 bucket as ${resource.binding}${env ? ` in env ${env}` : ''}: nowhere to restore ${resource.file} to.`);
      const environment = deps.environment ?? process.env;
      const accountId = environment.CLOUDFLARE_ACCOUNT_ID ?? config.account_id;
      if (!environment.CLOUDFLARE_API_TOKEN || !accountId) throw new UserError(`restoring R2 bucket ${target} needs CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID to list what it holds now (wrangler has no command that lists objects). Nothing was written.`);
      // R2's S3 API when its credentials are at hand (derived from the token), else the API's list and wrangler.
      r2Access ??= (await r2S3Access(environment, accountId, deps.fetch ?? fetch)) ?? null;
      const current = r2Access
        ? await r2S3Client(r2Access, deps.fetch ?? fetch).list(target)
        : await listR2Objects(apiAccessFrom(environment, accountId, deps.fetch ?? fetch)!, target);
      const verified = new Set((resource.objects ?? []).map((o) => o.file));
      const index = r2Index(contents[i], resource.file);
      const unverified = index.find((o) => !verified.has(o.file));
      if (unverified) throw new UserError(`${resource.file} names an object file the manifest has no checksum for; nothing was written.`);
      steps.push({ resource, target, current, newerMigrations: [], content: contents[i], objects: index.map((o) => ({ key: o.key, content: read(o.file) })) });
    } else {
      const target = (resolved.kv_namespaces ?? []).find((k) => k.binding === resource.binding)?.id;
      if (!target) throw new UserError(`${relative(workspaceRoot, configFile)} binds no KV namespace as ${resource.binding}${env ? ` in env ${env}` : ''} (or it has no id): nowhere to restore ${resource.file} to.`);
      const environment = deps.environment ?? process.env;
      const api = apiAccessFrom(environment, environment.CLOUDFLARE_ACCOUNT_ID ?? config.account_id, deps.fetch ?? fetch);
      const current = api ? await listKvKeysThroughApi(api, target) : await listKvKeys(deps.runWrangler, target, where, projectDir);
      steps.push({ resource, target, current, newerMigrations: [], content: contents[i] });
    }
  }
  steps.sort((a, b) => ORDER[a.resource.kind] - ORDER[b.resource.kind]);
  const bytes = steps.reduce((n, s) => n + s.content.length + (s.objects ?? []).reduce((m, o) => m + o.content.length, 0), 0);
  const risks: string[] = [];
  for (const s of steps) {
    if (s.newerMigrations.length) risks.push(`D1 ${s.target} has migrations the backup predates (${s.newerMigrations.join(', ')}): their schema changes are lost; apply them again afterwards (npx wrangler d1 migrations apply ${s.target} --remote${env ? ` --env ${env}` : ''}).`);
  }
  if ((env ?? '') !== manifest.env) risks.push(`this is a backup of ${manifest.env || 'the top level'}, restored into ${env || 'the top level'}.`);
  for (const s of manifest.skipped) risks.push(`${s.kind.toUpperCase()} ${s.name} (binding ${s.binding}) is not in the backup (${s.reason}) and is left as it is.`);
  risks.push(`the Worker keeps serving while its data is replaced: requests in between may see a partly restored state.`);
  return { dir, manifest, env, where, steps, bytes, estimateSeconds: Math.ceil(steps.length * 3 + bytes / 1_000_000), risks, r2Access: r2Access ?? undefined };
}

/** Rows (INSERT statements) of a D1 dump, entries of a KV file, objects of an R2 index: read from the data itself. */
function countInData(resource: BackupResource, content: Buffer): number {
  if (resource.kind === 'd1') return dumpRowCount(content.toString('utf8'));
  if (resource.kind === 'kv') return kvEntries(content, resource.file).length;
  return r2Index(content, resource.file).length;
}

function parseList(content: Buffer, file: string, shape: string, valid: (item: Record<string, unknown>) => boolean): Record<string, unknown>[] {
  let list: unknown;
  try {
    list = JSON.parse(content.toString('utf8'));
  } catch {
    throw new UserError(`${file} is not JSON (a list of ${shape}); nothing was written.`);
  }
  if (!Array.isArray(list)) throw new UserError(`${file} is not a list of ${shape}; nothing was written.`);
  const bad = list.findIndex((item) => typeof item !== 'object' || item === null || !valid(item as Record<string, unknown>));
  if (bad !== -1) throw new UserError(`${file}: entry ${bad} is not ${shape}; nothing was written.`);
  return list as Record<string, unknown>[];
}

export function kvEntries(content: Buffer, file: string): { key: string; value: string }[] {
  return parseList(content, file, '{ key, value } strings', (e) => typeof e.key === 'string' && typeof e.value === 'string') as { key: string; value: string }[];
}

function r2Index(content: Buffer, file: string): { key: string; file: string }[] {
  return parseList(content, file, '{ key, file } strings', (e) => typeof e.key === 'string' && typeof e.file === 'string') as { key: string; file: string }[];
}

export function formatRestorePlan(plan: RestorePlan, workspaceRoot: string): string[] {
  const m = plan.manifest;
  const lines = [`restore ${m.project} (${plan.env || 'top level'}) from ${relative(workspaceRoot, plan.dir)} (backup of ${m.env || 'the top level'}, ${m.createdAt}; every checksum verified${m.encrypted ? ', decrypted' : ''}):`];
  plan.steps.forEach((s, i) => {
    const r = s.resource;
    if (r.kind === 'r2') {
      const keep = new Set((s.objects ?? []).map((o) => o.key));
      const extra = s.current.filter((k) => !keep.has(k)).length;
      const size = (s.objects ?? []).reduce((n, o) => n + o.content.length, 0);
      lines.push(`  ${i + 1}. R2 bucket ${s.target} (binding ${r.binding}): write ${r.count} object${r.count === 1 ? '' : 's'} (${formatBytes(size)}), delete ${extra} object${extra === 1 ? '' : 's'} the backup does not have`);
    } else if (r.kind === 'd1') lines.push(`  ${i + 1}. D1 database ${s.target} (binding ${r.binding}): drop its ${s.current.length} table${s.current.length === 1 ? '' : 's'}${s.current.length ? ` (${s.current.join(', ')})` : ''}${s.views?.length ? ` and ${s.views.length} view${s.views.length === 1 ? '' : 's'} (${s.views.join(', ')})` : ''}, then load ${r.count} rows (${formatBytes(s.content.length)})`);
    else {
      const backupKeys = new Set(kvEntries(s.content, r.file).map((e) => e.key));
      const extra = s.current.filter((k) => !backupKeys.has(k)).length;
      lines.push(`  ${i + 1}. KV namespace ${s.target} (binding ${r.binding}): write ${r.count} keys (${formatBytes(s.content.length)}), delete ${extra} key${extra === 1 ? '' : 's'} the backup does not have`);
    }
  });
  lines.push(`  total ${formatBytes(plan.bytes)}, about ${plan.estimateSeconds} s`);
  for (const risk of plan.risks) lines.push(`  ! ${risk}`);
  // Table names and keys come from the API: printed inert.
  return lines.map(inertText);
}

/** Overwrites each target with the backup, in the plan's order. */
export async function applyRestore(plan: RestorePlan, workspaceRoot: string, deps: RestoreDeps): Promise<void> {
  const where = plan.where;
  const cwd = join(workspaceRoot, plan.manifest.projectRoot);
  const scratch = mkdtempSync(join(tmpdir(), 'nx-edge-restore-'));
  const run = (args: string[], what: string, progress?: string) =>
    wranglerOk(deps.runWrangler, args, cwd, what).catch((error: Error) => {
      throw new UserError(`${error.message}\nThe restore stopped there${progress ? ` (${progress})` : ''}; the steps before it are done. Run the same restore again once the cause is fixed.`);
    });
  try {
    for (const s of plan.steps) {
      if (s.resource.kind === 'd1') {
        const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
        // Views first (they name the tables); a table takes its indexes and triggers with it.
        const drops = [...(s.views ?? []).map((v) => `DROP VIEW IF EXISTS ${quote(v)}`), ...s.current.map((t) => `DROP TABLE IF EXISTS ${quote(t)}`)];
        if (drops.length) await run(['d1', 'execute', s.target, '--remote', '--yes', '--command', `PRAGMA defer_foreign_keys = on; ${drops.join('; ')}`, ...where], `dropping the tables of ${s.target}`);
        const file = join(scratch, `${s.resource.binding}.sql`);
        writeFileSync(file, s.content);
        await run(['d1', 'execute', s.target, '--remote', '--yes', '--file', file, ...where], `loading the backup into ${s.target}`);
        deps.log(`✔ D1 ${s.target} (${s.resource.binding}): ${s.resource.count} rows restored`);
      } else if (s.resource.kind === 'r2' && plan.r2Access) {
        const s3 = r2S3Client(plan.r2Access, deps.fetch ?? fetch, deps.r2);
        const objects = s.objects ?? [];
        const keep = new Set(objects.map((o) => o.key));
        const extra = s.current.filter((k) => !keep.has(k));
        let written = 0;
        let removed = 0;
        const target = s.target;
        try {
          await eachLimited(objects, deps.r2Concurrency ?? 8, async (object) => {
            await s3.put(target, object.key, object.content);
            written++;
          });
          await eachLimited(extra, deps.r2Concurrency ?? 8, async (key) => {
            await s3.delete(target, key);
            removed++;
          });
        } catch (error) {
          throw new UserError(`${(error as Error).message}\nThe restore stopped there: ${written} of ${objects.length} objects of ${target} written, ${removed} of ${extra.length} extra ones deleted; the steps before it are done. Run the same restore again once the cause is fixed.`);
        }
        deps.log(`✔ R2 ${target} (${s.resource.binding}): ${objects.length} objects restored${extra.length ? `, ${extra.length} removed` : ''} (S3 API)`);
      } else if (s.resource.kind === 'r2') {
        for (const [i, object] of (s.objects ?? []).entries()) {
          const file = join(scratch, `${s.resource.binding}-${i}`);
          writeFileSync(file, object.content);
          await run(['r2', 'object', 'put', `${s.target}/${object.key}`, '--file', file, '--remote', ...where], `writing ${s.target}/${object.key}`);
          rmSync(file);
        }
        const keep = new Set((s.objects ?? []).map((o) => o.key));
        const extra = s.current.filter((k) => !keep.has(k));
        for (const key of extra) await run(['r2', 'object', 'delete', `${s.target}/${key}`, '--remote', ...where], `deleting ${s.target}/${key}`);
        deps.log(`✔ R2 ${s.target} (${s.resource.binding}): ${s.objects?.length ?? 0} objects restored${extra.length ? `, ${extra.length} removed` : ''}`);
      } else {
        const entries = kvEntries(s.content, s.resource.file);
        const keep = new Set(entries.map((e) => e.key));
        const extra = s.current.filter((k) => !keep.has(k));
        // 1,000 keys a wrangler call (one API request each): a call refused by the rate limit is run again by
        // itself, so a namespace larger than the request budget still finishes.
        const KV_CHUNK = 1000;
        for (let i = 0; i < entries.length; i += KV_CHUNK) {
          const file = join(scratch, `${s.resource.binding}-${i}.json`);
          writeFileSync(file, JSON.stringify(entries.slice(i, i + KV_CHUNK)));
          await run(['kv', 'bulk', 'put', file, '--namespace-id', s.target, '--remote', ...where], `writing the keys of ${s.target}`, `${i} of ${entries.length} keys written`);
          rmSync(file);
        }
        for (let i = 0; i < extra.length; i += KV_CHUNK) {
          const extraFile = join(scratch, `${s.resource.binding}-delete-${i}.json`);
          writeFileSync(extraFile, JSON.stringify(extra.slice(i, i + KV_CHUNK)));
          await run(['kv', 'bulk', 'delete', extraFile, '--namespace-id', s.target, '--remote', '--force', ...where], `deleting the keys of ${s.target} the backup does not have`, `${i} of ${extra.length} extra keys deleted`);
          rmSync(extraFile);
        }
        deps.log(`✔ KV ${s.target} (${s.resource.binding}): ${entries.length} keys restored${extra.length ? `, ${extra.length} removed` : ''}`);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
