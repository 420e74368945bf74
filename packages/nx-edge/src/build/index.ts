export * from './bundle-worker';
export * from './size-report';
export * from './module-rules';
export * from './node-compat';
export * from './assets';
