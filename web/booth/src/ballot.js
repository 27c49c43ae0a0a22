// Ballot encryption, proofs, tracking codes and the Benaloh audit (docs/spec/crypto.md §5).
import { InputError, ProofError, toHex, u64 } from './bytes.js';
import { canonicalJson } from './canonical.js';
import { O, baseMul, mod, mul, pointFromHex, pointToHex, scalarFromHex, scalarToHex, small } from './group.js';
import { encodeFields, sha256Fields } from './hashing.js';
import { proveRangeWithNonces, rangeProofFromJson, rangeProofToJson, verifyRange } from './range.js';

export const SELECTION_DOMAIN = 'referendum/v1/proof/selection';
export const COUNT_DOMAIN = 'referendum/v1/proof/selection-count';
export const TRACKING_DOMAIN = 'referendum/v1/tracking-code';

/** Exponential ElGamal: ([r]G, [m]G + r·K). */
export const encrypt = (publicKey, m, r) => ({ alpha: baseMul(r), beta: small(m).add(mul(publicKey, r)) });

function checkSelections(ctx, selections) {
  if (selections.length !== ctx.questions.length) throw new InputError('selections', `expected ${ctx.questions.length} questions`);
  ctx.questions.forEach((shape, q) => {
    const marks = selections[q];
    if (marks.length !== shape.options) throw new InputError(`selections[${q}]`, `expected ${shape.options} marks`);
    marks.forEach((m, o) => {
      if (m !== 0 && m !== 1) throw new InputError(`selections[${q}][${o}]`, 'a mark is 0 or 1');
    });
    const count = marks.reduce((a, b) => a + b, 0);
    if (count < shape.min || count > shape.max) throw new InputError(`selections[${q}]`, `${count} marks; allowed ${shape.min}..${shape.max}`);
  });
}

/**
 * Deterministic twin of encryptBallot. `ctx` = {fingerprint: bytes, publicKey: Point,
 * questions: [{options, min, max}]}; `nonces` as in the spec (bigints); `binding` = the public
 * credential's 32 bytes.  Returns the ballot JSON.
 */
export function encryptBallotWithNonces(ctx, selections, nonces, binding) {
  checkSelections(ctx, selections);
  const questions = ctx.questions.map((shape, q) => {
    const marks = selections[q];
    const qn = nonces.questions[q];
    let totalNonce = 0n;
    let total = { alpha: O, beta: O };
    const encrypted = marks.map((mark, o) => {
      const r = qn.encryption[o];
      const ct = encrypt(ctx.publicKey, mark, r);
      const proof = proveRangeWithNonces({
        domain: SELECTION_DOMAIN, fingerprint: ctx.fingerprint, publicKey: ctx.publicKey, ciphertext: ct,
        message: mark, nonce: r, lo: 0, hi: 1, context: encodeFields(binding, u64(q), u64(o)), nonces: qn.selection_proofs[o],
      });
      totalNonce = mod(totalNonce + r);
      total = { alpha: total.alpha.add(ct.alpha), beta: total.beta.add(ct.beta) };
      return { alpha: pointToHex(ct.alpha), beta: pointToHex(ct.beta), proof: rangeProofToJson(proof) };
    });
    const countProof = proveRangeWithNonces({
      domain: COUNT_DOMAIN, fingerprint: ctx.fingerprint, publicKey: ctx.publicKey, ciphertext: total,
      message: marks.reduce((a, b) => a + b, 0), nonce: totalNonce, lo: shape.min, hi: shape.max,
      context: encodeFields(binding, u64(q)), nonces: qn.count_proof,
    });
    return { selections: encrypted, count_proof: rangeProofToJson(countProof) };
  });
  return { questions };
}

/** Fresh nonces, drawn like the Python reference (per question: encryption, 0/1 proofs, count proof). */
export function randomBallotNonces(ctx, randomScalar) {
  return {
    questions: ctx.questions.map((shape) => {
      const encryption = Array.from({ length: shape.options }, () => randomScalar());
      const selection_proofs = Array.from({ length: shape.options }, () => [[randomScalar(), randomScalar()], [randomScalar(), randomScalar()]]);
      const count_proof = Array.from({ length: shape.max - shape.min + 1 }, () => [randomScalar(), randomScalar()]);
      return { encryption, selection_proofs, count_proof };
    }),
  };
}

export const noncesToJson = (nonces) => ({
  questions: nonces.questions.map((q) => ({
    encryption: q.encryption.map(scalarToHex),
    selection_proofs: q.selection_proofs.map((pairs) => pairs.map(([u, v]) => [scalarToHex(u), scalarToHex(v)])),
    count_proof: q.count_proof.map(([u, v]) => [scalarToHex(u), scalarToHex(v)]),
  })),
});

export const noncesFromJson = (obj) => ({
  questions: obj.questions.map((q, i) => ({
    encryption: q.encryption.map((r, o) => scalarFromHex(r, `nonces.questions[${i}].encryption[${o}]`)),
    selection_proofs: q.selection_proofs.map((pairs) => pairs.map(([u, v]) => [scalarFromHex(u), scalarFromHex(v)])),
    count_proof: q.count_proof.map(([u, v]) => [scalarFromHex(u), scalarFromHex(v)]),
  })),
});

/** The tracking code: hex SHA-256 over the ballot's canonical JSON. */
export const trackingCode = (ballotJson) => toHex(sha256Fields(TRACKING_DOMAIN, canonicalJson(ballotJson)));

/** Verify every proof of a ballot JSON (throws ProofError or InputError naming the place). */
export function verifyBallot(ctx, ballotJson, binding) {
  if (!ballotJson || !Array.isArray(ballotJson.questions) || ballotJson.questions.length !== ctx.questions.length) {
    throw new ProofError(`ballot.questions: expected ${ctx.questions.length}`);
  }
  ctx.questions.forEach((shape, q) => {
    const where = `ballot.questions[${q}]`;
    const question = ballotJson.questions[q];
    if (!Array.isArray(question.selections) || question.selections.length !== shape.options) {
      throw new ProofError(`${where}.selections: expected ${shape.options}`);
    }
    let total = { alpha: O, beta: O };
    question.selections.forEach((sel, o) => {
      const ct = { alpha: pointFromHex(sel.alpha, `${where}.selections[${o}].alpha`), beta: pointFromHex(sel.beta, `${where}.selections[${o}].beta`) };
      total = { alpha: total.alpha.add(ct.alpha), beta: total.beta.add(ct.beta) };
      verifyRange({
        domain: SELECTION_DOMAIN, fingerprint: ctx.fingerprint, publicKey: ctx.publicKey, ciphertext: ct, lo: 0, hi: 1,
        proof: rangeProofFromJson(sel.proof, 2, `${where}.selections[${o}].proof`), context: encodeFields(binding, u64(q), u64(o)),
        label: `${where}.selections[${o}]`,
      });
    });
    verifyRange({
      domain: COUNT_DOMAIN, fingerprint: ctx.fingerprint, publicKey: ctx.publicKey, ciphertext: total, lo: shape.min, hi: shape.max,
      proof: rangeProofFromJson(question.count_proof, shape.max - shape.min + 1, `${where}.count_proof`),
      context: encodeFields(binding, u64(q)), label: `${where}.count_proof`,
    });
  });
}

/** Benaloh audit: re-encrypt `selections` with the revealed nonces and compare with the ballot. */
export function auditBallot(ctx, ballotJson, selections, nonces, binding) {
  const again = encryptBallotWithNonces(ctx, selections, nonces, binding);
  const a = new TextDecoder().decode(canonicalJson(again));
  const b = new TextDecoder().decode(canonicalJson(ballotJson));
  if (a !== b) throw new ProofError('the ballot does not encrypt these selections with these nonces');
}
