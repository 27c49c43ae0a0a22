// The booth's cryptography, as one module (for Node tests and the bundle).
export * from './bytes.js';
export * from './canonical.js';
export * from './group.js';
export * from './hashing.js';
export * from './range.js';
export * from './ballot.js';
export * from './credentials.js';
export * from './submission.js';
export * from './deniable.js';
export * from './challenge.js';
export * from './recompute.js';
export * from './log.js';
export * from './lightcheck.js';
