// @aero/edge-runtime: W3C tracing across Workers, structured logs with scrubbing, health and metrics.
export { withEdge, traceEnv, inTrace, type EdgeHandlers, type EdgeOptions, type HealthOptions, type ReadyCheck } from './edge/index.js';
export { log, captureConsole, setLogSink, buildRecord, scrubText, scrubValue, REDACTED, type LogLevel, type LogRecord, type LogSink, type ScrubOptions } from './log/index.js';
export { currentContext, runWithContext, outgoingHeaders, parseTraceparent, formatTraceparent, newTraceId, newSpanId, setSpanSink, type EdgeContext, type TraceParent, type SpanRecord, type SpanSink } from './trace/index.js';
export { RequestMetrics, routeLabel, DURATION_BUCKETS } from './health/index.js';
export { chaosSettings, decideChaos, type ChaosSettings, type ChaosDecision } from './chaos/index.js';
