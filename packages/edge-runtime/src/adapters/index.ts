export * from './node-http.js';
