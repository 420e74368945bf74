import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, posix, sep } from 'node:path';
import { UserError } from '../utils/user-error';

/** The environment variable holding the backup passphrase: never an option, so never on argv or in Nx's output. */
export const BACKUP_KEY_VARIABLE = 'NX_EDGE_BACKUP_KEY';
export const MANIFEST_FILE = 'manifest.json';

export interface BackupResource {
  kind: 'd1' | 'kv' | 'r2';
  binding: string;
  /** D1: the database name; KV: the namespace id; R2: the bucket name. */
  name: string;
  id?: string;
  /** File in the backup folder. */
  file: string;
  /** Size of the stored file (encrypted when the backup is). */
  bytes: number;
  /** sha256 of the stored file: checked before anything is restored. */
  sha256: string;
  /** D1: rows in the dump; KV: keys; R2: objects. */
  count: number;
  /**
   * R2: one stored file per object (its key is in the resource's index file, which is encrypted with
   * the rest, so keys never show in the manifest).
   */
  objects?: { file: string; bytes: number; sha256: string }[];
  /** D1: the migrations the database had applied (its d1_migrations table), oldest first. */
  migrations?: string[];
}

export interface BackupManifest {
  format: 1;
  project: string;
  projectRoot: string;
  worker: string;
  env: string;
  createdAt: string;
  wranglerVersion: string;
  encrypted: boolean;
  resources: BackupResource[];
  /** Bound resources not in the backup, and why. */
  skipped: { kind: string; binding: string; name: string; reason: string }[];
  /**
   * Encrypted backups: HMAC-SHA256 of the rest of the manifest under a key derived from NX_EDGE_BACKUP_KEY, so
   * that nobody without the key can change what a restore reads (file names, checksums, targets).
   */
  authentication?: { salt: string; hmac: string };
}

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

// AES-256-GCM with a key derived from the passphrase (scrypt, random salt per file): stored as
// "NXEB1" | salt(16) | iv(12) | tag(16) | ciphertext. A wrong key or a changed byte fails to decrypt.
const MAGIC = Buffer.from('NXEB1');
export function encrypt(plain: Buffer, passphrase: string): Buffer {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', scryptSync(passphrase, salt, 32), iv);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([MAGIC, salt, iv, cipher.getAuthTag(), body]);
}

const HEADER_BYTES = MAGIC.length + 16 + 12 + 16;

export function decrypt(stored: Buffer, passphrase: string, file: string): Buffer {
  if (stored.length < HEADER_BYTES || !stored.subarray(0, 5).equals(MAGIC)) throw new UserError(`${file} is not an nx-edge encrypted backup file (${stored.length} bytes, no NXEB1 header).`);
  const salt = stored.subarray(5, 21);
  const iv = stored.subarray(21, 33);
  const tag = stored.subarray(33, 49);
  const decipher = createDecipheriv('aes-256-gcm', scryptSync(passphrase, salt, 32), iv);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(stored.subarray(49)), decipher.final()]);
  } catch {
    throw new UserError(`${file} could not be decrypted: ${BACKUP_KEY_VARIABLE} is not the key this backup was made with.`);
  }
}

function manifestMac(manifest: Omit<BackupManifest, 'authentication'>, passphrase: string, salt: Buffer): string {
  return createHmac('sha256', scryptSync(passphrase, salt, 32)).update(JSON.stringify(manifest)).digest('hex');
}

/** The manifest with its authentication (encrypted backups): written last, over everything else in it. */
export function authenticateManifest(manifest: BackupManifest, passphrase: string): BackupManifest {
  const salt = randomBytes(16);
  return { ...manifest, authentication: { salt: salt.toString('hex'), hmac: manifestMac(manifest, passphrase, salt) } };
}

/** Checks an encrypted backup's manifest was written by someone holding the key; throws, naming what failed. */
export function verifyManifestAuthentication(manifest: BackupManifest, passphrase: string, file: string): void {
  const { authentication, ...rest } = manifest;
  if (!authentication) throw new UserError(`${file} is not authenticated (an encrypted backup's manifest carries an HMAC made with its key): it cannot be trusted, nothing was restored.`);
  const expected = Buffer.from(manifestMac(rest, passphrase, Buffer.from(authentication.salt, 'hex')), 'hex');
  const given = Buffer.from(authentication.hmac, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new UserError(`${file} does not match its authentication: it was changed after the backup, or ${BACKUP_KEY_VARIABLE} is not the key it was made with. Nothing was restored.`);
  }
}

const SHA256 = /^[0-9a-f]{64}$/;
const HEX = /^[0-9a-f]+$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Checks every field restore reads, so a malformed manifest is one line naming the field, never a stack trace. */
export function validateManifest(json: unknown, file: string): BackupManifest {
  const fail = (field: string, problem: string): never => {
    throw new UserError(`${file}: ${field} ${problem}: this backup cannot be restored (nothing was written).`);
  };
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const text = (v: unknown, field: string, allowEmpty = false): string => {
    if (typeof v !== 'string' || (!allowEmpty && v === '')) fail(field, 'is missing or not a string');
    if (CONTROL.test(v as string)) fail(field, 'holds control characters');
    return v as string;
  };
  const relativeFile = (v: unknown, field: string): string => {
    const name = text(v, field);
    if (isAbsolute(name) || name.includes('\\') || posix.normalize(name) !== name || name.split('/').some((part) => part === '..' || part === '.' || part === '')) {
      fail(field, 'is not a plain file name inside the backup folder');
    }
    return name;
  };
  const checksum = (v: unknown, field: string) => {
    if (typeof v !== 'string' || !SHA256.test(v)) fail(field, 'is missing or not a sha256 (64 hex digits)');
  };
  const count = (v: unknown, field: string) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(field, 'is missing or not a whole number');
  };
  if (!isObject(json)) return fail('the manifest', 'is not a JSON object');
  if (json.format !== 1) fail('format', `is ${JSON.stringify(json.format) ?? 'missing'}, not 1 (made by a newer nx-edge?)`);
  text(json.project, 'project');
  const root = text(json.projectRoot, 'projectRoot', true);
  if (isAbsolute(root) || root.split(/[\\/]/).includes('..')) fail('projectRoot', 'is not a folder inside the workspace');
  text(json.worker, 'worker', true);
  text(json.env, 'env', true);
  text(json.createdAt, 'createdAt');
  if (typeof json.encrypted !== 'boolean') fail('encrypted', 'is missing or not true/false');
  if (!Array.isArray(json.resources)) fail('resources', 'is missing or not a list');
  (json.resources as unknown[]).forEach((r, i) => {
    const at = `resources[${i}]`;
    if (!isObject(r)) return fail(at, 'is not an object');
    if (!['d1', 'kv', 'r2'].includes(r.kind as string)) fail(`${at}.kind`, 'is not d1, kv or r2');
    text(r.binding, `${at}.binding`);
    text(r.name, `${at}.name`);
    relativeFile(r.file, `${at}.file`);
    checksum(r.sha256, `${at}.sha256`);
    count(r.bytes, `${at}.bytes`);
    count(r.count, `${at}.count`);
    if (r.kind === 'r2') {
      if (!Array.isArray(r.objects)) fail(`${at}.objects`, 'is missing or not a list');
      (r.objects as unknown[]).forEach((o, j) => {
        if (!isObject(o)) return fail(`${at}.objects[${j}]`, 'is not an object');
        relativeFile(o.file, `${at}.objects[${j}].file`);
        checksum(o.sha256, `${at}.objects[${j}].sha256`);
      });
    }
    if (r.migrations !== undefined && (!Array.isArray(r.migrations) || r.migrations.some((m) => typeof m !== 'string'))) fail(`${at}.migrations`, 'is not a list of names');
  });
  if (json.skipped !== undefined && (!Array.isArray(json.skipped) || json.skipped.some((s) => !isObject(s)))) fail('skipped', 'is not a list of objects');
  json.skipped ??= [];
  if (json.authentication !== undefined) {
    const a = json.authentication;
    if (!isObject(a) || typeof a.salt !== 'string' || !HEX.test(a.salt) || typeof a.hmac !== 'string' || !SHA256.test(a.hmac)) fail('authentication', 'is not { salt, hmac } in hex');
  }
  return json as unknown as BackupManifest;
}

/** Reads a backup folder's manifest; a missing or broken one is an error naming the folder or the field. */
export function readManifest(dir: string): BackupManifest {
  const file = join(dir, MANIFEST_FILE);
  if (!existsSync(file)) throw new UserError(`${dir} is not an nx-edge backup: it has no ${MANIFEST_FILE}. Backups are folders like backups/<env>/<project>/<timestamp>/.`);
  backupFilePath(dir, MANIFEST_FILE);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError(`${file} cannot be read (${(error as Error).message}): this backup cannot be restored.`);
  }
  return validateManifest(json, file);
}

/**
 * The path of a file the manifest names, proven to be a regular file inside the backup folder: no absolute path,
 * no `..`, not a symlink, no folder on the way that leads elsewhere (lstat, then realpath against the folder's).
 * Undefined when the file is missing.
 */
export function backupFilePath(dir: string, file: string): string | undefined {
  if (isAbsolute(file) || file.split(/[\\/]/).some((part) => part === '..')) throw new UserError(`${file}: the manifest names a file outside the backup folder; nothing was restored.`);
  const path = join(dir, file);
  let stats;
  try {
    stats = lstatSync(path);
  } catch {
    return undefined;
  }
  if (stats.isSymbolicLink()) throw new UserError(`${file} is a symbolic link: a backup holds its own files only; nothing was restored.`);
  if (!stats.isFile()) throw new UserError(`${file} is not a regular file; nothing was restored.`);
  const realDir = realpathSync(dir);
  if (!realpathSync(path).startsWith(realDir + sep)) throw new UserError(`${file} leads outside the backup folder; nothing was restored.`);
  return path;
}

/**
 * Every file's checksum against the manifest, before anything is written: the names of the files that
 * are missing or differ (empty when the backup is intact). A file outside the folder is an error.
 */
export function verifyBackup(dir: string, manifest: BackupManifest): string[] {
  const problems: string[] = [];
  const check = (file: string, expected: string) => {
    const path = backupFilePath(dir, file);
    if (!path) problems.push(`${file} is missing`);
    else if (sha256(readFileSync(path)) !== expected) problems.push(`${file} does not match its checksum (sha256 ${expected.slice(0, 12)}… in ${MANIFEST_FILE})`);
  };
  for (const r of manifest.resources) {
    check(r.file, r.sha256);
    for (const o of r.objects ?? []) check(o.file, o.sha256);
  }
  return problems;
}

/** The complete backups of one project in one env, newest first (folders named by their UTC time). */
export function listBackups(projectDir: string): string[] {
  if (!existsSync(projectDir)) return [];
  return readdirSync(projectDir)
    .filter((name) => /^\d{8}T\d{6}Z$/.test(name) && statSync(join(projectDir, name)).isDirectory() && existsSync(join(projectDir, name, MANIFEST_FILE)))
    .sort()
    .reverse();
}

/** `20261201T140231Z`: sorts by time, safe in every file system. */
export function backupStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}
