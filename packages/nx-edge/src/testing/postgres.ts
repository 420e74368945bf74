import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError } from '../utils/user-error';
import { installCommandFor } from '../utils/package-manager';

/** The PGlite versions nx-edge is tested with (optional peer dependencies). */
export const PGLITE_VERSION = '0.5.14';
export const PGLITE_SOCKET_VERSION = '0.2.17';

export interface EmbeddedPostgres {
  /** `postgres://postgres:postgres@127.0.0.1:<port>/postgres` — for `pg`, `postgres` and Hyperdrive. */
  connectionString: string;
  port: number;
  close(): Promise<void>;
}

type PGliteModule = typeof import('@electric-sql/pglite');

function pgliteVersion(): string {
  // Its exports hide package.json: walk up from the entry point.
  for (let dir = dirname(require.resolve('@electric-sql/pglite')); dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === '@electric-sql/pglite') return pkg.version ?? 'unknown';
  }
  return 'unknown';
}

/**
 * A fresh PGlite costs ~5 s (initdb in WASM); one restored from a dump of a fresh one ~1 s. The dump
 * of an empty cluster is kept per PGlite version, so only the first database of a machine pays.
 */
async function createDatabase(pglite: PGliteModule, cacheDir: string) {
  const version = pgliteVersion();
  const snapshot = join(cacheDir, `pglite-${version}-empty.tar`);
  if (existsSync(snapshot)) {
    try {
      return await pglite.PGlite.create({ loadDataDir: new Blob([readFileSync(snapshot)]) });
    } catch {
      // an unreadable snapshot: start from scratch and write a new one
    }
  }
  const db = await pglite.PGlite.create();
  try {
    const dump = await db.dumpDataDir('none');
    mkdirSync(cacheDir, { recursive: true });
    const partial = `${snapshot}.${process.pid}`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, snapshot); // atomic: parallel test files never read half a snapshot
  } catch {
    // no cache this time
  }
  return db;
}

/** The PGlite packages (optional peer dependencies of @aero/nx-edge), or a clear error saying how to add them. */
export async function loadPglite(
  load: () => Promise<[PGliteModule, typeof import('@electric-sql/pglite-socket')]> = () => Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite-socket')]),
): Promise<{ pglite: PGliteModule; PGLiteSocketServer: typeof import('@electric-sql/pglite-socket').PGLiteSocketServer }> {
  try {
    const [pglite, socket] = await load();
    return { pglite, PGLiteSocketServer: socket.PGLiteSocketServer };
  } catch {
    throw new UserError(
      `startWorker({ postgres: 'embedded' }) (and a Hyperdrive or DATABASE_URL binding in a spec) runs Postgres in PGlite, an optional peer dependency of @aero/nx-edge that is not installed here. Add it: ${installCommandFor(process.cwd(), `@electric-sql/pglite@${PGLITE_VERSION} @electric-sql/pglite-socket@${PGLITE_SOCKET_VERSION}`)}`,
    );
  }
}

/**
 * Postgres without a server to install: PGlite (Postgres compiled to WASM, in memory) served over
 * the Postgres wire protocol on 127.0.0.1 (a free port), so real drivers — `pg`, `postgres`,
 * Hyperdrive's local proxy in workerd — connect as to any Postgres. Each call is an empty database.
 */
export async function startEmbeddedPostgres(options: { maxConnections?: number; cacheDir?: string } = {}): Promise<EmbeddedPostgres> {
  // Loaded on demand, and an optional peer dependency: most workspaces never need Postgres.
  const { pglite, PGLiteSocketServer } = await loadPglite();
  const db = await createDatabase(pglite, options.cacheDir ?? join(tmpdir(), 'nx-edge-cache'));
  // Connections share the one database; the server queues their queries (PGlite is single-session).
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: options.maxConnections ?? 32 });
  await server.start();
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  return {
    connectionString: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
