import { describe, expect, it } from 'vitest';
import { RequestMetrics, routeLabel } from './metrics';

describe('RequestMetrics', () => {
  it('prints valid Prometheus text with counts, errors and a cumulative histogram', () => {
    const metrics = new RequestMetrics();
    metrics.record('GET', '/users', 200, 0.004);
    metrics.record('GET', '/users', 200, 0.2);
    metrics.record('POST', '/users', 500, 0.03);
    const text = metrics.toPrometheus('users');
    // Every non-comment line is `name{labels} value` with a numeric value.
    for (const line of text.trim().split('\n').filter((l) => !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-z_]+\{[^}]*\} [0-9.e+-]+$/);
    }
    expect(text).toContain('http_requests_total{service="users",method="GET",route="/users",status="200"} 2');
    expect(text).toContain('http_request_errors_total{service="users",method="POST",route="/users",status="500"} 1');
    expect(text).toContain('http_request_duration_seconds_bucket{service="users",method="GET",route="/users",status="200",le="0.005"} 1');
    expect(text).toContain('http_request_duration_seconds_bucket{service="users",method="GET",route="/users",status="200",le="0.25"} 2');
    expect(text).toContain('http_request_duration_seconds_bucket{service="users",method="GET",route="/users",status="200",le="+Inf"} 2');
    expect(text).toMatch(/# TYPE http_request_duration_seconds histogram/);
  });

  it('keeps route cardinality low', () => {
    expect(routeLabel('/users/42/orders/9f86d081884c7d65')).toBe('/users/:id/orders/:id');
    expect(routeLabel('/health')).toBe('/health');
  });
});
