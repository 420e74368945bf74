// @aero/edge-runtime: tracing, structured logs, health/metrics, adapters (see src/<concern>/).
export const EDGE_RUNTIME_VERSION = '0.1.0';
