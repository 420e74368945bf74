export * from './chaos.js';
