import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeWranglerInstall } from '../../../../test-support/fake-wrangler-install';
import { isSupportedWrangler, requireWranglerPackage, wranglerInstallSpec } from './wrangler-package';

describe('the workspace wrangler (peer dependency)', () => {
  const roots: string[] = [];
  afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

  it('supports 4.86.0 up to the newest 4.x, nothing older and no 5', () => {
    expect(['4.86.0', '4.116.0', '4.164.0'].map(isSupportedWrangler)).toEqual([true, true, true]);
    expect(['3.114.0', '4.85.9', '5.0.0'].map(isSupportedWrangler)).toEqual([false, false, false]);
  });

  it('names the command for the running Node: the Node 20 pair, or the newest tested pair on Node 22.12+', () => {
    expect(wranglerInstallSpec('20.20.2')).toBe('wrangler@4.86.0 @cloudflare/workers-types@^4.20260702.1');
    expect(wranglerInstallSpec('22.11.0')).toBe('wrangler@4.86.0 @cloudflare/workers-types@^4.20260702.1');
    expect(wranglerInstallSpec('22.12.0')).toMatch(/^wrangler@4\.1\d\d\.\d+ @cloudflare\/workers-types@\^5\./);
    expect(wranglerInstallSpec('24.1.0')).toBe(wranglerInstallSpec('22.12.0'));
  });

  it('finds the workspace copy and its bin', () => {
    const root = fakeWranglerInstall('4.164.0');
    roots.push(root);
    expect(requireWranglerPackage(root, [])).toEqual({ dir: join(root, 'node_modules', 'wrangler'), version: '4.164.0', bin: join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js') });
  });

  it('a missing wrangler is an error saying it is a peer dependency and what to install', () => {
    const root = fakeWranglerInstall(undefined);
    roots.push(root);
    expect(() => requireWranglerPackage(root, [])).toThrow(
      new RegExp(`^wrangler is not installed in this workspace; @aero/nx-edge runs the workspace's own wrangler \\(peer dependency >=4\\.86\\.0 <5\\)\\. Install it: npm install -D ${escape(wranglerInstallSpec())}$`),
    );
  });

  it('a wrangler out of range is an error naming its version, where it is, the range and the fix', () => {
    const root = fakeWranglerInstall('3.114.0');
    roots.push(root);
    expect(() => requireWranglerPackage(root, [])).toThrow(
      `wrangler 3.114.0 is installed (node_modules/wrangler), but @aero/nx-edge supports wrangler >=4.86.0 <5. Install a supported one: npm install -D ${wranglerInstallSpec()}`,
    );
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
