export * from './scrub.js';
export * from './logger.js';
