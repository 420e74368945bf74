import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
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

export function decrypt(stored: Buffer, passphrase: string, file: string): Buffer {
  if (!stored.subarray(0, 5).equals(MAGIC)) throw new UserError(`${file} is not an nx-edge encrypted backup file.`);
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

/** Reads a backup folder's manifest; a missing or broken one is an error naming the folder. */
export function readManifest(dir: string): BackupManifest {
  const file = join(dir, MANIFEST_FILE);
  if (!existsSync(file)) throw new UserError(`${dir} is not an nx-edge backup: it has no ${MANIFEST_FILE}. Backups are folders like backups/<env>/<project>/<timestamp>/.`);
  try {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as BackupManifest;
    if (manifest.format !== 1 || !Array.isArray(manifest.resources)) throw new Error('unknown format');
    return manifest;
  } catch (error) {
    throw new UserError(`${file} cannot be read (${(error as Error).message}): this backup cannot be restored.`);
  }
}

/**
 * Every file's checksum against the manifest, before anything is written: the names of the files that
 * are missing or differ (empty when the backup is intact).
 */
export function verifyBackup(dir: string, manifest: BackupManifest): string[] {
  const problems: string[] = [];
  const check = (file: string, expected: string) => {
    const path = join(dir, file);
    if (!existsSync(path)) problems.push(`${file} is missing`);
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
