/**
 * A name as a DNS label, so `http://<label>.localhost:7080` works in a browser and in curl:
 * `@scope/auth` → `scope-auth`, `Users_API` → `users-api`. (Nx project names may hold `@`, `/`,
 * capitals; DNS labels may not.)
 */
export function dnsLabel(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/^@/, '')
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/-{2,}/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63) || 'service'
  );
}

/**
 * The host labels a service answers to: its project name made DNS-safe (the one printed), the last
 * segment of a scoped name (`auth`), and its wrangler name — the short ones only when no other service
 * of the session claims them.
 */
export function hostLabels(services: { service: string; workerName?: string }[]): Map<string, string[]> {
  const candidates = new Map<string, string[]>();
  for (const s of services) {
    const own = [dnsLabel(s.service)];
    if (s.service.includes('/')) own.push(dnsLabel(s.service.split('/').pop()!));
    if (s.workerName) own.push(dnsLabel(s.workerName));
    candidates.set(s.service, [...new Set(own)]);
  }
  const claims = new Map<string, number>();
  for (const labels of candidates.values()) for (const l of labels) claims.set(l, (claims.get(l) ?? 0) + 1);
  const result = new Map<string, string[]>();
  for (const [service, labels] of candidates) result.set(service, labels.filter((l, i) => i === 0 || claims.get(l) === 1));
  return result;
}
