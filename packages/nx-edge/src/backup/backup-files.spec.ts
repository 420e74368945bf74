import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupStamp, decrypt, encrypt, listBackups, sha256, verifyBackup, type BackupManifest } from './backup-files';

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
