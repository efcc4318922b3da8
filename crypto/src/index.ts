/**
 * crypto/ — the end-to-end protocol core of Yhteispöytä. No I/O, no globals.
 * Import a module directly (`@yhteispoyta/crypto/envelope`) to keep what a process loads
 * small; this barrel is for convenience. The in-memory stores (memory-stores.ts) are for
 * tests and are deliberately not re-exported here.
 */
export * from './types';
export * from './bytes';
export * from './identity';
export * from './prekeys';
export * from './identity-store';
export * from './sessions';
export * from './epoch';
export * from './header';
export * from './envelope';
export * from './membership';
export * from './safety';
export * as protocol from './protocol/index';
