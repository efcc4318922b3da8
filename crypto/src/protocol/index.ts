/**
 * The wire protocol between agent and server, in one module: error codes, REST routes,
 * socket.io events, and the zod schema of every shape. Server and agent import wire
 * shapes from here only (`@yhteispoyta/crypto/protocol/index`).
 */
export { PROTOCOL_VERSION } from '../types';
export * from './errors';
export * from './fields';
export * from './login';
export * from './audit';
export * from './audit-hash';
export * from './blobs';
export * from './rest-accounts';
export * from './rest-keys';
export * from './rest-certificates';
export * from './rest-workspaces';
export * from './rest-transparency';
export * from './rest';
export * from './wire-envelope';
export * from './socket-payloads';
export * from './socket';

// Schemas owned by the crypto modules that define their shapes, re-exported so the
// protocol module names every wire shape.
export { prekeyUploadSchema } from '../prekeys';
export { controlMessageSchema } from '../sessions';
