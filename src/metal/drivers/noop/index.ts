export * from './noop.js';
