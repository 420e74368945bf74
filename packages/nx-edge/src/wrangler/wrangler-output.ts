import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../utils/user-error';

/** One `{"type":"deploy",...}` line of wrangler's WRANGLER_OUTPUT_FILE_PATH file. */
export interface WranglerDeployOutput {
  workerName: string;
  versionId?: string;
  /** Deployed URLs (workers.dev, routes); empty for dispatch namespace scripts. */
  targets: string[];
  environment?: string;
  /** `versions upload`: the new version's own URL (when preview URLs are on). */
  previewUrl?: string;
}

/** Reads wrangler's machine-readable ndjson output; unknown or broken lines are skipped. */
export function parseWranglerOutput(text: string): WranglerDeployOutput[] {
  const deploys: WranglerDeployOutput[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (entry.type !== 'deploy' && entry.type !== 'version-upload') continue;
    deploys.push({
      workerName: typeof entry.worker_name === 'string' ? entry.worker_name : '',
      versionId: typeof entry.version_id === 'string' ? entry.version_id : undefined,
      targets: Array.isArray(entry.targets) ? entry.targets.filter((t): t is string => typeof t === 'string') : [],
      environment: typeof entry.wrangler_environment === 'string' ? entry.wrangler_environment : undefined,
      previewUrl: typeof entry.preview_url === 'string' ? entry.preview_url : undefined,
    });
  }
  return deploys;
}

export function readWranglerOutputFile(file: string): WranglerDeployOutput[] {
  return existsSync(file) ? parseWranglerOutput(readFileSync(file, 'utf8')) : [];
}

/** Version id live at 100% in the newest deployment, from `wrangler deployments list --json`. */
export function currentVersionFromDeployments(json: string): string | undefined {
  return versionServingAll(deploymentSplits(json)[0]);
}

/** The version a deployment sends all traffic to (none while a gradual rollout splits it). */
export function versionServingAll(split: { versionId: string; percentage: number }[] | undefined): string | undefined {
  return split?.find((v) => v.percentage === 100)?.versionId;
}

/** The traffic split of each deployment (`wrangler deployments list --json`), newest first. */
export function deploymentSplits(json: string): { versionId: string; percentage: number }[][] {
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  return (list as { created_on?: string; versions?: { version_id: string; percentage: number }[] }[])
    .filter((d) => d && Array.isArray(d.versions))
    .sort((a, b) => String(b.created_on ?? '').localeCompare(String(a.created_on ?? '')))
    .map((d) => d.versions!.map((v) => ({ versionId: v.version_id, percentage: v.percentage })));
}

/** The JSON wrangler printed, between any banner or warning lines before it and a "Success!" after it. */
export function jsonFromOutput<T>(stdout: string, what: string): T {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => /^[[{]/.test(l));
  for (let end = start; start >= 0 && end < lines.length; end++) {
    if (!/^[\]}]|[\]}]\s*$/.test(lines[end])) continue;
    try {
      return JSON.parse(lines.slice(start, end + 1).join('\n')) as T;
    } catch {
      // not the end of it yet
    }
  }
  throw new UserError(`could not read ${what} from wrangler's output:\n${stdout.trim().slice(0, 500)}`);
}
