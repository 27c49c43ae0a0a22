// Private credentials, their derivation and ballot signatures (docs/spec/crypto.md §7).
import { InputError, ProofError, utf8 } from './bytes.js';
import { baseMul, mod, mul } from './group.js';
import { hashToScalar } from './hashing.js';

export const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
export const CREDENTIAL_DOMAIN = 'referendum/v1/credential';
export const SIGNATURE_DOMAIN = 'referendum/v1/signature';
const BODY = 26;
const READ_AS = { o: '0', i: '1', l: '1' };

function checksum(body) {
  let v = 0;
  for (let i = 0; i < body.length; i++) v += (i + 1) * ALPHABET.indexOf(body[i]);
  v %= 1021;
  return ALPHABET[v >> 5] + ALPHABET[v & 31];
}

/** The 26-character body of a typed credential; InputError with a `code` when malformed. */
export function normalizePrivateCredential(text) {
  const chars = [];
  for (const ch of String(text).toLowerCase()) {
    if (ch === '-' || ch === ' ' || ch === '\t') continue;
    chars.push(READ_AS[ch] ?? ch);
  }
  const clean = chars.join('');
  if (clean.length !== BODY + 2) {
    const e = new InputError('credential', `expected ${BODY + 2} characters, got ${clean.length}`);
    e.code = 'length';
    e.n = clean.length;
    throw e;
  }
  if ([...clean].some((ch) => !ALPHABET.includes(ch))) {
    const e = new InputError('credential', 'characters not in the alphabet');
    e.code = 'alphabet';
    throw e;
  }
  const body = clean.slice(0, BODY);
  if (checksum(body) !== clean.slice(BODY)) {
    const e = new InputError('credential', 'checksum does not match (mistyped credential?)');
    e.code = 'checksum';
    throw e;
  }
  return body;
}

/** The signing key pair {secret, public} of a private credential in an election. */
export function deriveCredential(electionId, privateCredential) {
  const body = normalizePrivateCredential(privateCredential);
  const secret = hashToScalar(CREDENTIAL_DOMAIN, utf8(electionId), utf8(body));
  return { secret, public: baseMul(secret) };
}

const challenge = (pub, commitment, message) =>
  hashToScalar(SIGNATURE_DOMAIN, pub.toBytes(), commitment.toBytes(), message);

/** Schnorr signature with a given nonce: {commitment: Point, response: bigint}. */
export function signWithNonce(secret, pub, message, nonce) {
  const commitment = baseMul(nonce);
  return { commitment, response: mod(nonce + challenge(pub, commitment, message) * secret) };
}

export function verifySignature(pub, message, sig) {
  const c = challenge(pub, sig.commitment, message);
  if (!baseMul(sig.response).equals(sig.commitment.add(mul(pub, c)))) throw new ProofError('signature does not verify');
}
