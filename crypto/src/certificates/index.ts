/**
 * Certificates: identities the server cannot forge (formats, signing, codes and proofs,
 * verification of a person, membership against certificates).
 */
export * from './types';
export * from './schema';
export * from './signing';
export * from './codes';
export * from './person';
export * from './membership-check';
