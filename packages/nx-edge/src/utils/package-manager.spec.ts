import { describe, expect, it } from 'vitest';
import { detectPackageManager, devInstallCommand } from './package-manager';

const fs = (files: Record<string, string>) => ({ exists: (f: string) => f in files, read: (f: string) => files[f] });

describe('the package manager decides every install command nx-edge prints', () => {
  it('the nearest lockfile decides, then packageManager, else npm', () => {
    const pnpm = fs({ '/ws/pnpm-lock.yaml': '', '/ws/package.json': '{}' });
    expect(detectPackageManager('/ws/apps/api', pnpm.exists, pnpm.read)).toBe('pnpm');
    const yarn = fs({ '/ws/yarn.lock': '' });
    expect(detectPackageManager('/ws', yarn.exists, yarn.read)).toBe('yarn');
    const bun = fs({ '/ws/bun.lock': '' });
    expect(detectPackageManager('/ws', bun.exists, bun.read)).toBe('bun');
    const field = fs({ '/ws/package.json': '{"packageManager":"pnpm@9.1.0"}' });
    expect(detectPackageManager('/ws/apps/api', field.exists, field.read)).toBe('pnpm');
    const none = fs({});
    expect(detectPackageManager('/ws', none.exists, none.read)).toBe('npm');
  });

  it('prints the command that package manager understands', () => {
    expect(devInstallCommand('npm', 'wrangler@4.86.0')).toBe('npm install -D wrangler@4.86.0');
    expect(devInstallCommand('pnpm', 'wrangler@4.86.0')).toBe('pnpm add -D -w wrangler@4.86.0');
    expect(devInstallCommand('yarn', 'wrangler@4.86.0')).toBe('yarn add -D wrangler@4.86.0');
    expect(devInstallCommand('bun', 'wrangler@4.86.0')).toBe('bun add -d wrangler@4.86.0');
  });
});
