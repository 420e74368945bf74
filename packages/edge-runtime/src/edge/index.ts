export * from './with-edge';
