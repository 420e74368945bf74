import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createE2eWorkspace, type E2eWorkspace } from './support/workspace';

// @aero/edge-runtime through the function generator: each framework scaffolds a Worker whose
// generated spec builds it and runs it in real workerd.
describe('function --framework: hono, express, nestjs in workerd', () => {
  let ws: E2eWorkspace;

  beforeAll(async () => {
    ws = await createE2eWorkspace('runtime');
    for (const framework of ['hono', 'express', 'nestjs']) {
      await ws.nxOk(['g', '@aero/nx-edge:function', `web-${framework}`, `--framework=${framework}`, '--no-interactive']);
    }
  });
  afterAll(async () => {
    await ws?.dispose();
  });

  it('their generated specs pass (GET, params, POST JSON, 404, error) in workerd', async () => {
    const result = await ws.nx(['run-many', '-t', 'test', '--projects=web-*', '--output-style=static']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout.match(/Tests\s+4 passed/g)).toHaveLength(3);
  });

  it('they build to bundles wrangler accepts as they are', async () => {
    await ws.nxOk(['run-many', '-t', 'build', '--projects=web-*']);
    for (const framework of ['hono', 'express', 'nestjs']) {
      const result = await ws.run('wrangler', ['deploy', '--dry-run', '--outdir', `${ws.root}/.e2e-home/out-${framework}`, '-c', `dist/apps/web-${framework}/wrangler.json`]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
    }
  });

  it('--framework=fastify is refused with the reason and an alternative, nothing written', async () => {
    const result = await ws.nx(['g', '@aero/nx-edge:function', 'web-fastify', '--framework=fastify', '--no-interactive']);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/cannot run on Workers.*new Function\(\).*--framework=hono/s);
    expect(ws.exists('apps/web-fastify')).toBe(false);
  });
});
