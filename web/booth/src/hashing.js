// Field encoding and domain-separated hashing (docs/spec/crypto.md section 2).
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { concat, u64, utf8 } from './bytes.js';
import { scalarFromUniform } from './group.js';

/** u64(len(f1)) || f1 || ... for byte-string fields. */
export function encodeFields(...parts) {
  const pieces = [];
  for (const p of parts) pieces.push(u64(p.length), p);
  return concat(...pieces);
}

function domainBytes(domain) {
  if (!/^referendum\/v[123]\//.test(domain)) throw new Error(`bad domain tag ${domain}`);
  return utf8(domain);
}

/** SHA-512 of the fields, read little-endian, reduced mod L. */
export const hashToScalar = (domain, ...parts) =>
  scalarFromUniform(sha512(encodeFields(domainBytes(domain), ...parts)));

/** SHA-256 of the fields. */
export const sha256Fields = (domain, ...parts) =>
  sha256(encodeFields(domainBytes(domain), ...parts));
