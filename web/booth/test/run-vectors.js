// A vector runner that works in any JavaScript engine (bundled for Chromium by the browser
// tests): runVectors({proofs, ballot, credentials, deniable_ballot}) returns {passed, failures}
// (deniable_ballot optional).
import * as c from '../src/index.js';

const s = (h) => c.scalarFromHex(h);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export function runVectors(files) {
  let passed = 0;
  const failures = [];
  const check = (name, ok) => (ok ? passed++ : failures.push(name));
  const throws = (fn) => {
    try {
      fn();
      return false;
    } catch (e) {
      return true;
    }
  };
  files.proofs.cases.filter((v) => v.kind === 'range').forEach((v, i) => {
    const common = {
      domain: v.domain, fingerprint: c.fromHex(v.fingerprint), publicKey: c.pointFromHex(v.public_key),
      ciphertext: { alpha: c.pointFromHex(v.ciphertext.alpha), beta: c.pointFromHex(v.ciphertext.beta) },
      lo: v.lo, hi: v.hi, context: c.fromHex(v.context),
    };
    const proof = c.rangeProofFromJson(v.proof, v.hi - v.lo + 1);
    if (v.valid) {
      const made = c.proveRangeWithNonces({ ...common, message: v.message, nonce: s(v.encryption_nonce), nonces: v.proof_nonces.map(([u, w]) => [s(u), s(w)]) });
      check(`range ${i}`, same(c.rangeProofToJson(made), v.proof) && !throws(() => c.verifyRange({ ...common, proof })));
    } else {
      check(`range ${i} (${v.reason})`, throws(() => c.verifyRange({ ...common, proof })));
    }
  });
  files.ballot.cases.forEach((v, i) => {
    const ctx = { fingerprint: c.fromHex(v.fingerprint), publicKey: c.pointFromHex(v.public_key), questions: v.questions };
    const binding = c.fromHex(v.binding);
    if (v.valid) {
      const ballot = c.encryptBallotWithNonces(ctx, v.selections, c.noncesFromJson(v.nonces), binding);
      check(`ballot ${i}`, same(ballot, v.ballot) && c.trackingCode(ballot) === v.tracking_code);
    } else {
      check(`ballot ${i} (${v.reason})`, throws(() => c.verifyBallot(ctx, v.ballot, binding)));
    }
  });
  files.credentials.cases.forEach((v, i) => {
    if (v.kind === 'private-credential') {
      check(`credential ${i} (${v.reason})`, throws(() => c.normalizePrivateCredential(v.private)));
    } else if (v.valid) {
      const key = c.deriveCredential(v.election_id, v.private);
      const sig = c.signWithNonce(key.secret, key.public, c.fromHex(v.message), s(v.nonce));
      check(`credential ${i}`, key.public.toHex() === v.public && sig.commitment.toHex() === v.signature.commitment && c.scalarToHex(sig.response) === v.signature.response);
    } else {
      const sig = { commitment: c.pointFromHex(v.signature.commitment), response: s(v.signature.response) };
      check(`credential ${i} (${v.reason})`, throws(() => c.verifySignature(c.pointFromHex(v.public), c.fromHex(v.message), sig)));
    }
  });
  (files.deniable_ballot?.cases ?? []).forEach((v, i) => {
    const ctx = { fingerprint: c.fromHex(v.fingerprint), publicKey: c.pointFromHex(v.public_key), questions: v.questions };
    const authority = c.pointFromHex(v.authority);
    if (v.valid) {
      const key = c.deriveCredential(v.election_id, v.private);
      const encrypted = c.encryptDeniableWithNonces(ctx, v.region, authority, key.public, v.selections, c.noncesFromJson(v.nonces), s(v.voter_nonce));
      const made = c.deniableSubmissionWithNonces(v.fingerprint, authority, key, encrypted, v.proof_nonces.map(s), s(v.signature_nonce));
      check(`deniable ballot ${i}`, same(made, v.submission) && encrypted.trackingCode === v.tracking_code
        && !throws(() => c.verifyDeniableSubmission(ctx, authority, made)));
    } else {
      let failed = null;
      try {
        c.verifyDeniableSubmission(ctx, authority, v.submission);
      } catch (e) {
        failed = e.check;
      }
      check(`deniable ballot ${i} (${v.reason})`, failed === v.fails);
    }
  });
  return { passed, failures };
}
