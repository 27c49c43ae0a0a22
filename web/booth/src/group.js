// ristretto255 (RFC 9496) through @noble/curves; scalars are bigints modulo L.
// Spec: docs/spec/crypto.md section 1.
import { ristretto255 } from '@noble/curves/ed25519.js';
import { InputError, fromHex, toHex } from './bytes.js';

export const Point = ristretto255.Point;
export const L = Point.Fn.ORDER;
export const G = Point.BASE;
export const O = Point.ZERO;

export const mod = (n) => ((n % L) + L) % L;

/** Little-endian bytes to a bigint. */
export function leToBigint(bytes) {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/** A scalar's 32-byte little-endian encoding. */
export function scalarToBytes(s) {
  const out = new Uint8Array(32);
  let v = mod(s);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export const scalarToHex = (s) => toHex(scalarToBytes(s));

/** Decode a canonical scalar (32 bytes, value < L). */
export function scalarFromBytes(bytes, field = 'scalar') {
  if (bytes.length !== 32) throw new InputError(field, 'a scalar is 32 bytes');
  const v = leToBigint(bytes);
  if (v >= L) throw new InputError(field, 'not a canonical scalar (>= L)');
  return v;
}

export const scalarFromHex = (hex, field = 'scalar') => scalarFromBytes(fromHex(hex, field), field);

/** 64 uniform bytes, little-endian, reduced mod L. */
export const scalarFromUniform = (bytes) => mod(leToBigint(bytes));

/** Decode a canonical point encoding (hex); every invalid encoding is refused. */
export function pointFromHex(hex, field = 'point') {
  const bytes = fromHex(hex, field);
  if (bytes.length !== 32) throw new InputError(field, 'a point is 32 bytes');
  try {
    return Point.fromBytes(bytes);
  } catch (e) {
    throw new InputError(field, 'not a valid ristretto255 encoding');
  }
}

export const pointToHex = (p) => p.toHex();

/** scalar·point (any scalar, zero included). */
export function mul(point, scalar) {
  const s = mod(scalar);
  return s === 0n ? O : point.multiply(s);
}

export const baseMul = (scalar) => mul(G, scalar);

/** [m]G for a small integer m >= 0. */
export const small = (m) => baseMul(BigInt(m));
