export * from './traceparent';
export * from './context';
