export * from './wrangler-config';
