// A registry for one npm scope, serving packed tarballs (our dist/tarballs) as if published, so a
// test can run what a user runs (`npx create-nx-workspace --preset=@aero/nx-edge`, `npm install
// @aero/nx-edge`) without publishing. npm is pointed at it for that scope only
// (`@aero:registry=http://127.0.0.1:<port>/` in a userconfig): every other package still comes from
// the real registry. Test fixture only: it never ships in a package.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';

export interface FakeNpmRegistry {
  url: string;
  /** Package names npm asked for, in order (proof the scope was resolved here). */
  requests: string[];
  close(): Promise<void>;
}

interface Published {
  manifest: Record<string, unknown>;
  tarball: Buffer;
  file: string;
}

function readPackage(file: string): Published {
  const tarball = readFileSync(file);
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', file, 'package/package.json'], { encoding: 'utf8' })) as Record<string, unknown>;
  return { manifest, tarball, file: basename(file) };
}

export async function startFakeNpmRegistry(tarballs: string[]): Promise<FakeNpmRegistry> {
  const packages = new Map(tarballs.map((file) => readPackage(file)).map((p) => [String(p.manifest.name), p]));
  const requests: string[] = [];
  let url = '';
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/^\/+/, '');
    const tarball = [...packages.values()].find((p) => path.endsWith(`/-/${p.file}`));
    if (tarball) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': tarball.tarball.length });
      res.end(tarball.tarball);
      return;
    }
    const published = packages.get(path);
    requests.push(path);
    if (!published) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'Not found' }));
      return;
    }
    const version = String(published.manifest.version);
    const { scripts: _scripts, devDependencies: _dev, ...manifest } = published.manifest;
    const packument = {
      name: path,
      'dist-tags': { latest: version },
      versions: {
        [version]: {
          ...manifest,
          _id: `${path}@${version}`,
          dist: {
            tarball: `${url}/${path}/-/${published.file}`,
            shasum: createHash('sha1').update(published.tarball).digest('hex'),
            integrity: `sha512-${createHash('sha512').update(published.tarball).digest('base64')}`,
          },
        },
      },
    };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(packument));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
