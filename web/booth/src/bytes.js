// Byte helpers: hex (lowercase, even length), concatenation, u64 big-endian, UTF-8.
const HEX = /^(?:[0-9a-f]{2})*$/;

export function toHex(bytes) {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

export function fromHex(hex, field = 'hex') {
  if (typeof hex !== 'string' || !HEX.test(hex)) {
    throw new InputError(field, 'expected lowercase hexadecimal with an even number of digits');
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function concat(...parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function u64(n) {
  const out = new Uint8Array(8);
  let v = BigInt(n);
  for (let i = 7; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export const utf8 = (text) => new TextEncoder().encode(text);

export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** An error in something given to us, naming the field (like Python's InputError). */
export class InputError extends Error {
  constructor(field, reason) {
    super(`${field}: ${reason}`);
    this.field = field;
    this.reason = reason;
  }
}

/** A proof or a check that does not hold (like Python's ProofError). */
export class ProofError extends Error {}
