// Disjunctive Chaum-Pedersen proof that a ciphertext encrypts an integer in lo..hi
// (docs/spec/crypto.md section 4.3), with the reference prover's use of nonces, so that
// given nonces give the Python implementation's proof byte for byte.
import { ProofError, u64 } from './bytes.js';
import { G, O, baseMul, mod, mul, pointFromHex, pointToHex, scalarFromHex, scalarToBytes, scalarToHex, small } from './group.js';
import { hashToScalar } from './hashing.js';

/** The Fiat-Shamir challenge of the whole disjunction. */
export function rangeChallenge({ domain, fingerprint, publicKey, ciphertext, lo, hi, commitments, context }) {
  const parts = [fingerprint, publicKey.toBytes(), ciphertext.alpha.toBytes(), ciphertext.beta.toBytes(), u64(lo), u64(hi)];
  for (const [a, b] of commitments) parts.push(a.toBytes(), b.toBytes());
  parts.push(context);
  return hashToScalar(domain, ...parts);
}

/**
 * Prove that `ciphertext` (nonce `nonce`) encrypts `message` in lo..hi; `nonces` holds one
 * pair [u, v] per branch: for the real branch u is the commitment nonce, for a simulated one
 * u is its challenge and v its response.
 */
export function proveRangeWithNonces({ domain, fingerprint, publicKey, ciphertext, message, nonce, lo, hi, context, nonces }) {
  if (!(lo <= message && message <= hi)) throw new Error(`message ${message} outside ${lo}..${hi}`);
  if (nonces.length !== hi - lo + 1) throw new Error('one nonce pair per branch');
  const commitments = [];
  for (let j = lo; j <= hi; j++) {
    const [u, v] = nonces[j - lo];
    if (j === message) {
      commitments.push([baseMul(u), mul(publicKey, u)]);
    } else {
      const s = mod(v - u * nonce);
      const t = mod(u * BigInt(j - message));
      commitments.push([baseMul(s), mul(publicKey, s).add(baseMul(t))]);
    }
  }
  const c = rangeChallenge({ domain, fingerprint, publicKey, ciphertext, lo, hi, commitments, context });
  let simulated = 0n;
  for (let j = lo; j <= hi; j++) if (j !== message) simulated += nonces[j - lo][0];
  const real = mod(c - simulated);
  const challenges = [];
  const responses = [];
  for (let j = lo; j <= hi; j++) {
    const [u, v] = nonces[j - lo];
    challenges.push(j === message ? real : mod(u));
    responses.push(j === message ? mod(u + real * nonce) : mod(v));
  }
  return { commitments, challenges, responses };
}

export const rangeProofToJson = (proof) => ({
  commitments: proof.commitments.map(([a, b]) => ({ a: pointToHex(a), b: pointToHex(b) })),
  challenges: proof.challenges.map(scalarToHex),
  responses: proof.responses.map(scalarToHex),
});

export function rangeProofFromJson(obj, branches, field = 'proof') {
  const keys = obj && typeof obj === 'object' ? Object.keys(obj).sort().join(',') : '';
  if (keys !== 'challenges,commitments,responses') throw new ProofError(`${field}: expected commitments, challenges, responses`);
  const n = branches ?? obj.commitments.length;
  for (const k of ['commitments', 'challenges', 'responses']) {
    if (!Array.isArray(obj[k]) || obj[k].length !== n) throw new ProofError(`${field}.${k}: expected ${n} entries`);
  }
  return {
    commitments: obj.commitments.map((e, j) => [pointFromHex(e.a, `${field}.commitments[${j}].a`), pointFromHex(e.b, `${field}.commitments[${j}].b`)]),
    challenges: obj.challenges.map((c, j) => scalarFromHex(c, `${field}.challenges[${j}]`)),
    responses: obj.responses.map((z, j) => scalarFromHex(z, `${field}.responses[${j}]`)),
  };
}

/** Verify a range proof; throws ProofError naming `label` when it does not hold. */
export function verifyRange({ domain, fingerprint, publicKey, ciphertext, lo, hi, proof, context, label = 'range' }) {
  const n = hi - lo + 1;
  if (proof.commitments.length !== n || proof.challenges.length !== n || proof.responses.length !== n) {
    throw new ProofError(`${label}: expected ${n} branches`);
  }
  const c = rangeChallenge({ domain, fingerprint, publicKey, ciphertext, lo, hi, commitments: proof.commitments, context });
  const total = proof.challenges.reduce((acc, x) => mod(acc + x), 0n);
  if (total !== c) throw new ProofError(`${label}: challenges do not add up to the Fiat-Shamir hash`);
  for (let j = lo; j <= hi; j++) {
    const [a, b] = proof.commitments[j - lo];
    const cj = proof.challenges[j - lo];
    const zj = proof.responses[j - lo];
    if (!baseMul(zj).equals(a.add(mul(ciphertext.alpha, cj)))) throw new ProofError(`${label}.branch[${j}].a: does not hold`);
    const shifted = ciphertext.beta.subtract(small(j));
    if (!mul(publicKey, zj).equals(b.add(mul(shifted, cj)))) throw new ProofError(`${label}.branch[${j}].b: does not hold`);
  }
}

export { G, O, scalarToBytes };
