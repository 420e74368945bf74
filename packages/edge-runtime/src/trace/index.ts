export * from './traceparent.js';
export * from './context.js';
