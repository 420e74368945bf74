import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authenticateManifest, backupFilePath, backupStamp, decrypt, encrypt, listBackups, readManifest, sha256, verifyBackup, verifyManifestAuthentication, type BackupManifest } from './backup-files';
import { UserError } from '../utils/user-error';

describe('backup files', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'nx-edge-backup-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('encrypts so that only the same key decrypts, and a changed byte is detected', () => {
    const plain = Buffer.from("INSERT INTO notes VALUES (1, 'secret note');");
    const stored = encrypt(plain, 'k1');
    expect(stored.includes('secret note')).toBe(false);
    expect(decrypt(stored, 'k1', 'd1-DB.sql.enc')).toEqual(plain);
    expect(() => decrypt(stored, 'k2', 'd1-DB.sql.enc')).toThrow('d1-DB.sql.enc could not be decrypted: NX_EDGE_BACKUP_KEY is not the key this backup was made with.');
    const tampered = Buffer.from(stored);
    tampered[tampered.length - 1] ^= 1;
    expect(() => decrypt(tampered, 'k1', 'x.enc')).toThrow('could not be decrypted');
    expect(encrypt(plain, 'k1').equals(stored)).toBe(false); // a fresh salt and iv each time
  });

  it('names every missing or changed file, R2 objects included', () => {
    writeFileSync(join(dir, 'd1-DB.sql'), 'dump');
    mkdirSync(join(dir, 'r2-FILES'));
    writeFileSync(join(dir, 'r2-FILES', '000001'), 'changed');
    const manifest = {
      resources: [
        { kind: 'd1', file: 'd1-DB.sql', sha256: sha256(Buffer.from('dump')) },
        { kind: 'kv', file: 'kv-CACHE.json', sha256: 'x' },
        { kind: 'r2', file: 'r2-FILES.json', sha256: 'y', objects: [{ file: 'r2-FILES/000001', bytes: 3, sha256: sha256(Buffer.from('abc')) }] },
      ],
    } as unknown as BackupManifest;
    expect(verifyBackup(dir, manifest)).toEqual([
      'kv-CACHE.json is missing',
      'r2-FILES.json is missing',
      `r2-FILES/000001 does not match its checksum (sha256 ${sha256(Buffer.from('abc')).slice(0, 12)}… in manifest.json)`,
    ]);
  });

  it('lists complete backups newest first; a .partial folder or one without a manifest is not a backup', () => {
    for (const name of ['20261201T100000Z', '20261202T100000Z', '20261203T100000Z.partial', '20261204T100000Z']) {
      mkdirSync(join(dir, name));
      if (name !== '20261204T100000Z') writeFileSync(join(dir, name, 'manifest.json'), '{}');
    }
    expect(listBackups(dir)).toEqual(['20261202T100000Z', '20261201T100000Z']);
    expect(backupStamp(new Date('2026-12-01T14:02:31.120Z'))).toBe('20261201T140231Z');
  });
});

describe('a hostile or broken backup folder', () => {
  let root: string;
  let dir: string;
  const good = () => ({
    format: 1,
    project: 'store',
    projectRoot: 'apps/store',
    worker: 'store-staging',
    env: 'staging',
    createdAt: '2026-12-01T10:00:00.000Z',
    wranglerVersion: '4.86.0',
    encrypted: false,
    resources: [{ kind: 'd1', binding: 'DB', name: 'db', file: 'd1-DB.sql', bytes: 4, sha256: sha256(Buffer.from('dump')), count: 0 }],
    skipped: [],
  });
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-edge-hostile-'));
    dir = join(root, 'backup');
    mkdirSync(dir);
    writeFileSync(join(dir, 'd1-DB.sql'), 'dump');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it.each([
    ['a file outside the folder', (m: any) => (m.resources[0].file = '../../../../outside/evil.sql'), 'resources[0].file is not a plain file name inside the backup folder'],
    ['an absolute file', (m: any) => (m.resources[0].file = '/etc/passwd'), 'resources[0].file is not a plain file name inside the backup folder'],
    ['a missing sha256', (m: any) => delete m.resources[0].sha256, 'resources[0].sha256 is missing or not a sha256 (64 hex digits)'],
    ['a null resource', (m: any) => (m.resources[0] = null), 'resources[0] is not an object'],
    ['an unknown kind', (m: any) => (m.resources[0].kind = 'sql'), 'resources[0].kind is not d1, kv or r2'],
    ['a projectRoot outside the workspace', (m: any) => (m.projectRoot = '../elsewhere'), 'projectRoot is not a folder inside the workspace'],
    ['no resources', (m: any) => delete m.resources, 'resources is missing or not a list'],
    ['another format', (m: any) => (m.format = 2), 'format is 2, not 1'],
    ['an R2 object outside', (m: any) => m.resources.push({ kind: 'r2', binding: 'F', name: 'b', file: 'r2-F.json', bytes: 1, count: 1, sha256: 'a'.repeat(64), objects: [{ file: 'r2-F/../../x', sha256: 'b'.repeat(64) }] }), 'resources[1].objects[0].file is not a plain file name'],
  ])('%s is one line naming the field', (_what, change, message) => {
    const manifest = good();
    change(manifest);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    expect(() => readManifest(dir)).toThrow(UserError);
    expect(() => readManifest(dir)).toThrow(message);
  });

  it('a file that is a symlink, even to a file with the right checksum, is refused', () => {
    writeFileSync(join(root, 'evil.sql'), 'dump');
    rmSync(join(dir, 'd1-DB.sql'));
    symlinkSync(join(root, 'evil.sql'), join(dir, 'd1-DB.sql'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(good()));
    expect(() => verifyBackup(dir, readManifest(dir))).toThrow('d1-DB.sql is a symbolic link');
  });

  it('a folder on the way that is a symlink leading outside is refused', () => {
    mkdirSync(join(root, 'elsewhere'));
    writeFileSync(join(root, 'elsewhere', '000001'), 'abc');
    symlinkSync(join(root, 'elsewhere'), join(dir, 'r2-F'));
    expect(() => backupFilePath(dir, 'r2-F/000001')).toThrow('r2-F/000001 leads outside the backup folder');
  });

  it('a 10-byte .enc file is a clear error, not a TypeError', () => {
    expect(() => decrypt(Buffer.from('0123456789'), 'k', 'd1-DB.sql.enc')).toThrow(new UserError('d1-DB.sql.enc is not an nx-edge encrypted backup file (10 bytes, no NXEB1 header).'));
  });

  it("an encrypted backup's manifest is authenticated: any change, or another key, is refused", () => {
    const manifest = authenticateManifest({ ...good(), encrypted: true } as BackupManifest, 'k1');
    expect(() => verifyManifestAuthentication(manifest, 'k1', 'manifest.json')).not.toThrow();
    expect(() => verifyManifestAuthentication(manifest, 'k2', 'manifest.json')).toThrow('manifest.json does not match its authentication');
    const changed = JSON.parse(JSON.stringify(manifest));
    changed.resources[0].file = 'other.sql';
    expect(() => verifyManifestAuthentication(changed, 'k1', 'manifest.json')).toThrow('does not match its authentication');
    const { authentication: _, ...bare } = manifest;
    expect(() => verifyManifestAuthentication(bare as BackupManifest, 'k1', 'manifest.json')).toThrow('manifest.json is not authenticated');
  });
});
