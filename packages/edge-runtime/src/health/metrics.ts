/** Histogram buckets in seconds, as Prometheus clients use for HTTP latency. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Series {
  count: number;
  errors: number;
  buckets: number[];
  sum: number;
}

/** Request metrics of one isolate: counts, errors and durations by method, route and status. */
export class RequestMetrics {
  private readonly series = new Map<string, Series>();

  record(method: string, route: string, status: number, seconds: number): void {
    const key = JSON.stringify([method, route, String(status)]);
    let s = this.series.get(key);
    if (!s) {
      s = { count: 0, errors: 0, buckets: DURATION_BUCKETS.map(() => 0), sum: 0 };
      this.series.set(key, s);
    }
    s.count++;
    if (status >= 500) s.errors++;
    s.sum += seconds;
    DURATION_BUCKETS.forEach((le, i) => {
      if (seconds <= le) s.buckets[i]++;
    });
  }

  /** Prometheus text exposition format 0.0.4. */
  toPrometheus(service: string): string {
    const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    const lines = [
      '# HELP http_requests_total Requests handled, by method, route and status.',
      '# TYPE http_requests_total counter',
    ];
    const entries = [...this.series.entries()].map(([key, s]) => {
      const [method, route, status] = JSON.parse(key) as string[];
      return { labels: `service="${esc(service)}",method="${esc(method)}",route="${esc(route)}",status="${status}"`, s };
    });
    for (const { labels, s } of entries) lines.push(`http_requests_total{${labels}} ${s.count}`);
    lines.push('# HELP http_request_errors_total Requests answered with a 5xx status or a thrown error.', '# TYPE http_request_errors_total counter');
    for (const { labels, s } of entries) lines.push(`http_request_errors_total{${labels}} ${s.errors}`);
    lines.push('# HELP http_request_duration_seconds Time to the response, by method, route and status.', '# TYPE http_request_duration_seconds histogram');
    for (const { labels, s } of entries) {
      DURATION_BUCKETS.forEach((le, i) => lines.push(`http_request_duration_seconds_bucket{${labels},le="${le}"} ${s.buckets[i]}`));
      lines.push(`http_request_duration_seconds_bucket{${labels},le="+Inf"} ${s.count}`);
      lines.push(`http_request_duration_seconds_sum{${labels}} ${s.sum}`);
      lines.push(`http_request_duration_seconds_count{${labels}} ${s.count}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

/**
 * A route label that keeps cardinality low: numeric and id-like path segments become `:id`.
 * (`/users/42/orders/9f86d081884c7d65` → `/users/:id/orders/:id`.)
 */
export function routeLabel(pathname: string): string {
  return pathname
    .split('/')
    .map((seg) => (/^\d+$/.test(seg) || /^[0-9a-f-]{8,}$/i.test(seg) ? ':id' : seg))
    .join('/');
}
