import { existsSync, readFileSync } from 'node:fs';

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
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (entry.type !== 'deploy' && entry.type !== 'version-upload') continue;
    deploys.push({
      workerName: String(entry.worker_name ?? ''),
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
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!Array.isArray(list)) return undefined;
  const deployments = (list as { created_on?: string; versions?: { version_id: string; percentage: number }[] }[])
    .filter((d) => d && Array.isArray(d.versions))
    .sort((a, b) => String(b.created_on ?? '').localeCompare(String(a.created_on ?? '')));
  return deployments[0]?.versions?.find((v) => v.percentage === 100)?.version_id;
}

/** The traffic split of the newest deployment (`wrangler deployments list --json`), newest first. */
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
