// D1 Time Travel (developers.cloudflare.com/d1/reference/time-travel): every deploy of a Worker that binds D1
// records each database's bookmark just before it, so `nx-edge rollback --with-data` and `nx-edge restore
// --to-bookmark` can return a database to the state a deploy started from — through wrangler's own
// `d1 time-travel` commands.
import { readDeploymentRecords, shortVersion, type D1Bookmark } from '../deploy/deploy-history';
import { UserError } from '../utils/user-error';
import { buildTimeTravelInfoArgs, buildTimeTravelRestoreArgs } from '../wrangler/wrangler-args';
import { wranglerErrorSummary, type RunWrangler } from '../wrangler/wrangler-cli';
import { jsonFromOutput } from '../wrangler/wrangler-output';


/**
 * The current bookmark of each remote D1 database a Worker binds (`where`: --config/--env of its config).
 * A database whose bookmark cannot be read is named in `missing` with wrangler's reason; the deploy goes on.
 */
export async function readD1Bookmarks(
  databases: { binding: string; database_name?: string; database_id?: string }[],
  where: string[],
  deps: { runWrangler: RunWrangler; cwd: string },
): Promise<{ bookmarks: D1Bookmark[]; missing: string[] }> {
  const bookmarks: D1Bookmark[] = [];
  const missing: string[] = [];
  for (const db of databases) {
    if (!db.database_name || !db.database_id) continue;
    const result = await deps.runWrangler(buildTimeTravelInfoArgs(db.database_name, where), { cwd: deps.cwd });
    const bookmark = result.code === 0 ? readBookmark(result.stdout) : undefined;
    if (bookmark) bookmarks.push({ binding: db.binding, database: db.database_name, bookmark });
    else missing.push(`${db.database_name} (${db.binding}): ${result.code === 0 ? 'wrangler printed no bookmark' : wranglerErrorSummary(result).split('\n')[0]}`);
  }
  return { bookmarks, missing };
}

function readBookmark(stdout: string): string | undefined {
  try {
    const parsed = jsonFromOutput<{ bookmark?: unknown }>(stdout, 'the Time Travel bookmark');
    return typeof parsed.bookmark === 'string' && /^[0-9a-f-]{8,}$/i.test(parsed.bookmark) ? parsed.bookmark : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Returns a database to `bookmark` (everything written after it is replaced); answers the bookmark it held
 * before, which undoes this restore.
 */
export async function restoreD1Bookmark(database: string, bookmark: string, deps: { runWrangler: RunWrangler; cwd: string; where?: string[] }): Promise<{ bookmark: string; previous: string }> {
  const result = await deps.runWrangler(buildTimeTravelRestoreArgs(database, bookmark, deps.where ?? []), { cwd: deps.cwd });
  if (result.code !== 0) throw new UserError(`wrangler d1 time-travel restore of ${database} to bookmark ${bookmark} failed: ${wranglerErrorSummary(result)}`);
  const parsed = jsonFromOutput<{ bookmark?: string; previous_bookmark?: string }>(result.stdout, `the answer of wrangler d1 time-travel restore ${database}`);
  if (!parsed.previous_bookmark) throw new UserError(`wrangler d1 time-travel restore of ${database} answered no previous bookmark: check the database with npx wrangler d1 time-travel info ${database}.`);
  return { bookmark: parsed.bookmark ?? bookmark, previous: parsed.previous_bookmark };
}

/** What `nx-edge restore <project> -c <env> --to-bookmark <b>` will overwrite, and how it says so. */
export interface BookmarkRestorePlan {
  database: string;
  bookmark: string;
  lines: string[];
}

/**
 * Finds the database a bookmark belongs to in the deploy history of that project and env (or takes
 * `--database`), and the lines that say what will be overwritten.
 */
export function planBookmarkRestore(input: { project: string; env: string; bookmark: string; database?: string; historyFile: string }): BookmarkRestorePlan {
  const c = input.env ? ` -c ${input.env}` : '';
  if (!/^[0-9a-f-]{8,}$/i.test(input.bookmark)) throw new UserError(`--to-bookmark ${input.bookmark.slice(0, 80)} is not a D1 bookmark (hex groups joined by -, as nx-edge history and wrangler d1 time-travel info print them).`);
  const records = readDeploymentRecords(input.historyFile).filter((r) => r.project === input.project && r.env === input.env);
  const recorded = records
    .flatMap((r) => [...(r.d1Bookmarks ?? []).map((b) => ({ b, r, how: 'before the deploy of' })), ...(r.d1Restored ?? []).map((b) => ({ b: { ...b, bookmark: b.undo }, r, how: 'before the rollback of' }))])
    .filter(({ b }) => b.bookmark === input.bookmark && (!input.database || b.database === input.database))
    .at(-1);
  const database = input.database ?? recorded?.b.database;
  if (!database) {
    throw new UserError(`bookmark ${input.bookmark} is not recorded for ${input.project} in ${input.env || 'the top level'} (.nx-edge/deployments.jsonl): name its database with --database <name> (nx-edge restore ${input.project}${c} --to-bookmark ${input.bookmark} --database <name>). Nothing changed.`);
  }
  const origin = recorded ? `, recorded ${recorded.how} version ${shortVersion(recorded.r.versionId)} (${recorded.r.time})` : ' (not in nx-edge\'s history: given with --database)';
  return {
    database,
    bookmark: input.bookmark,
    lines: [
      `restore ${input.project} (${input.env || 'top level'}): D1 database ${database}${recorded ? ` (binding ${recorded.b.binding})` : ''} goes back to Time Travel bookmark ${input.bookmark}${origin}.`,
      `  everything written to ${database} after that bookmark is replaced; the Worker keeps serving meanwhile. The bookmark it holds now is printed afterwards, to undo this.`,
    ],
  };
}
