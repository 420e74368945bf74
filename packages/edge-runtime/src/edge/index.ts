export * from './with-edge.js';
