export * from './traceparent.js';
export * from './context.js';
export { setSpanSink, type SpanRecord, type SpanSink } from './spans.js';
