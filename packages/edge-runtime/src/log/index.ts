export * from './scrub';
export * from './logger';
