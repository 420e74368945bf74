#!/usr/bin/env node
// npm run test:live — the contract suite (test-support/live/contract.spec.ts) against a real Cloudflare
// account: provision, deploy, secrets, a gradual rollout, tail, backup/restore and destroy of one Worker with
// unique names, everything removed afterwards. Without CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID it runs
// nothing and says so (npm test runs the same suite against the fake API).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const missing = ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_ACCOUNT_ID'].filter((name) => !process.env[name]);
if (missing.length) {
  console.log(`test:live not run: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set. It needs a token that may edit Workers, KV, D1 and R2 of that account (npm test runs the same suite against the fake API).`);
  process.exit(0);
}
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const result = spawnSync(process.execPath, [vitest, 'run', '--project', 'unit', 'test-support/live/contract.spec.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NX_EDGE_CONTRACT_TARGET: 'live' },
});
process.exit(result.status ?? 1);
