// Deniable ballots (docs/spec/coercion.md sections 3.1, 8 and 9), as services/voter.py makes
// them: the public credential C encrypted for the tallying authority T (`voter`), the ballot's
// selection proofs bound to `voter`, the `credential_proof` (that the author knows x of C = x·G
// and r of voter) and the signature the board checks and keeps off the record.
import { InputError, ProofError, fromHex, u64, utf8 } from './bytes.js';
import { canonicalJson } from './canonical.js';
import { G, O, baseMul, mod, mul, pointFromHex, pointToHex, scalarFromHex, scalarToHex } from './group.js';
import { encodeFields, hashToScalar, sha256Fields } from './hashing.js';
import { encryptBallotWithNonces, noncesToJson, randomBallotNonces, trackingCode, verifyBallot } from './ballot.js';
import { signWithNonce, verifySignature } from './credentials.js';
import { contextFromReferendum, selectionsFromChoices, systemRandomScalar } from './submission.js';

export const CREDENTIAL_PROOF_DOMAIN = 'referendum/v3/proof/encrypted-credential';
export const DENIABLE_SIGNATURE_DOMAIN = 'referendum/v3/deniable-ballot-signature';

/** A ciphertext's 64 bytes: alpha || beta. */
export const ciphertextBytes = (ct) => new Uint8Array([...ct.alpha.toBytes(), ...ct.beta.toBytes()]);
const ciphertextToJson = (ct) => ({ alpha: pointToHex(ct.alpha), beta: pointToHex(ct.beta) });
const ciphertextFromJson = (obj, field) => {
  if (!obj || typeof obj !== 'object') throw new InputError(field, 'expected an object');
  return { alpha: pointFromHex(obj.alpha, `${field}.alpha`), beta: pointFromHex(obj.beta, `${field}.beta`) };
};

/** `V = (r·G, C + r·T)`: the public credential C encrypted under the tallying authority's T. */
export const encryptCredential = (authority, credential, r) => ({ alpha: baseMul(r), beta: credential.add(mul(authority, r)) });

/**
 * The relation of the credential proof (coercion.md section 8): secrets (x, r), equation 0
 * `V.alpha = r·G`, equation 1 `V.beta = x·G + r·T`; as {images, terms: [[[i, B], ...], ...], secrets}.
 */
export const credentialRelation = (authority, voter) => ({
  images: [voter.alpha, voter.beta],
  terms: [[[1, G]], [[0, G], [1, authority]]],
  secrets: 2,
});

/** The relation's fields for the challenge: u64(k), u64(#equations), then per equation its image, u64(#terms), each term's u64(i) and base. */
function relationFields(relation) {
  const parts = [u64(relation.secrets), u64(relation.terms.length)];
  relation.terms.forEach((terms, e) => {
    parts.push(relation.images[e].toBytes(), u64(terms.length));
    for (const [i, base] of terms) parts.push(u64(i), base.toBytes());
  });
  return parts;
}

const linearChallenge = (domain, context, relation, commitments) =>
  hashToScalar(domain, context, ...relationFields(relation), ...commitments.map((a) => a.toBytes()));

/** Deterministic proof of a linear relation (crypto/proofs/linear.py prove_linear_with_nonces): {commitments, responses} as JSON. */
export function proveLinearWithNonces(domain, relation, secrets, context, nonces) {
  const commitments = relation.terms.map((terms) => terms.reduce((sum, [i, base]) => sum.add(mul(base, nonces[i])), O));
  const c = linearChallenge(domain, context, relation, commitments);
  return {
    commitments: commitments.map(pointToHex),
    responses: secrets.map((x, i) => scalarToHex(mod(nonces[i] + c * x))),
  };
}

/** Check a linear proof (JSON); ProofError `label[e]` names the first equation that fails. */
export function verifyLinear(domain, relation, proofJson, context, label) {
  if (!proofJson || typeof proofJson !== 'object') throw new InputError(label, 'expected an object');
  const extra = Object.keys(proofJson).filter((k) => k !== 'commitments' && k !== 'responses');
  if (extra.length) throw new InputError(`${label}.${extra[0]}`, 'unexpected member');
  const { commitments: a, responses: z } = proofJson;
  if (!Array.isArray(a) || a.length !== relation.terms.length) throw new InputError(`${label}.commitments`, `expected a list of ${relation.terms.length} items`);
  if (!Array.isArray(z) || z.length !== relation.secrets) throw new InputError(`${label}.responses`, `expected a list of ${relation.secrets} items`);
  const commitments = a.map((h, e) => pointFromHex(h, `${label}.commitments[${e}]`));
  const responses = z.map((h, i) => scalarFromHex(h, `${label}.responses[${i}]`));
  const c = linearChallenge(domain, context, relation, commitments);
  relation.terms.forEach((terms, e) => {
    const left = terms.reduce((sum, [i, base]) => sum.add(mul(base, responses[i])), O);
    if (!left.equals(commitments[e].add(mul(relation.images[e], c)))) throw new ProofError(`${label}[${e}]`);
  });
}

/** The credential proof's context: encode_fields(F, utf8(region), the ballot's canonical JSON). */
export const credentialContext = (fingerprint, region, ballotJson) => encodeFields(fingerprint, utf8(region), canonicalJson(ballotJson));

/** What the credential signs for the board (kept off the record): coercion.md section 9. */
export const deniableSigningMessage = (fingerprint, credentialBytes, region, ballotJson, voter, proofJson) =>
  sha256Fields(DENIABLE_SIGNATURE_DOMAIN, fingerprint, credentialBytes, utf8(region), canonicalJson(ballotJson), ciphertextBytes(voter), canonicalJson(proofJson));

/**
 * Deterministic core of a deniable ballot's encryption (services/voter.py
 * encrypt_deniable_with_nonces): `ctx` as for encryptBallotWithNonces, `authority` T and
 * `credential` C Points, `voterNonce` r.  Returns {region, credential, voter, voterNonce,
 * ballot, trackingCode, selections, nonces, noncesJson}.
 */
export function encryptDeniableWithNonces(ctx, region, authority, credential, selections, nonces, voterNonce) {
  const voter = encryptCredential(authority, credential, voterNonce);
  const ballot = encryptBallotWithNonces(ctx, selections, nonces, ciphertextBytes(voter));
  return {
    region, credential: pointToHex(credential), voter, voterNonce, ballot, trackingCode: trackingCode(ballot),
    selections, nonces, noncesJson: noncesToJson(nonces),
  };
}

/**
 * Deterministic core of casting it (services/voter.py deniable_submission_with_nonces): the
 * credential proof with `proofNonces` [w_x, w_r], the signature with `signatureNonce`.
 */
export function deniableSubmissionWithNonces(fingerprintHex, authority, key, encrypted, proofNonces, signatureNonce) {
  if (pointToHex(key.public) !== encrypted.credential) throw new Error('this ballot was encrypted for another credential');
  const fingerprint = fromHex(fingerprintHex);
  const context = credentialContext(fingerprint, encrypted.region, encrypted.ballot);
  const proof = proveLinearWithNonces(CREDENTIAL_PROOF_DOMAIN, credentialRelation(authority, encrypted.voter), [key.secret, encrypted.voterNonce], context, proofNonces);
  const message = deniableSigningMessage(fingerprint, key.public.toBytes(), encrypted.region, encrypted.ballot, encrypted.voter, proof);
  const sig = signWithNonce(key.secret, key.public, message, signatureNonce);
  return {
    election: fingerprintHex,
    region: encrypted.region,
    credential: encrypted.credential,
    ballot: encrypted.ballot,
    voter: ciphertextToJson(encrypted.voter),
    credential_proof: proof,
    signature: { commitment: pointToHex(sig.commitment), response: scalarToHex(sig.response) },
  };
}

/** The tallying authority's key of a deniable referendum (InputError for visible revoting). */
export function authorityOf(info) {
  if (info.manifest.revoting !== 'deniable' || !info.manifest.tallying_authority) {
    throw new InputError('revoting', 'this referendum has visible revoting');
  }
  return pointFromHex(info.manifest.tallying_authority, 'manifest.tallying_authority');
}

/** Encrypt a deniable ballot with fresh nonces; nothing proven for the credential nor signed, so it may be challenged. */
export function encryptDeniableChoices({ info, region, credential, choices, randomScalar = systemRandomScalar }) {
  const ctx = contextFromReferendum(info, region);
  const selections = selectionsFromChoices(info, choices, region);
  const voterNonce = randomScalar();
  const nonces = randomBallotNonces(ctx, randomScalar);
  return encryptDeniableWithNonces(ctx, region, authorityOf(info), credential, selections, nonces, voterNonce);
}

/** The submission casting an (unchallenged) encrypted deniable ballot, with the credential's key {secret, public}. */
export function signDeniableBallot({ info, encrypted, key, randomScalar = systemRandomScalar }) {
  const proofNonces = [randomScalar(), randomScalar()];
  return deniableSubmissionWithNonces(info.fingerprint, authorityOf(info), key, encrypted, proofNonces, randomScalar());
}

/**
 * The board's checks of a deniable submission, in its order; throws a ProofError (or
 * InputError) whose `check` is `signature`, `credential_proof` or `ballot`.  `ctx` is the
 * region's ballot context, `authority` T.
 */
export function verifyDeniableSubmission(ctx, authority, submission) {
  const step = (check, fn) => {
    try {
      fn();
    } catch (e) {
      e.check = check;
      throw e;
    }
  };
  const fingerprint = ctx.fingerprint;
  const voter = ciphertextFromJson(submission.voter, 'voter');
  step('signature', () => {
    const message = deniableSigningMessage(fingerprint, fromHex(submission.credential, 'credential'), submission.region, submission.ballot, voter, submission.credential_proof);
    const sig = { commitment: pointFromHex(submission.signature.commitment, 'signature.commitment'), response: scalarFromHex(submission.signature.response, 'signature.response') };
    verifySignature(pointFromHex(submission.credential, 'credential'), message, sig);
  });
  step('credential_proof', () => verifyLinear(CREDENTIAL_PROOF_DOMAIN, credentialRelation(authority, voter), submission.credential_proof,
    credentialContext(fingerprint, submission.region, submission.ballot), 'credential_proof'));
  step('ballot', () => verifyBallot(ctx, submission.ballot, ciphertextBytes(voter)));
}

/** Benaloh challenge of a deniable ballot: `voter` encrypts `credential` (hex) with `voterNonce` (hex). */
export function checkDeniableVoter(authority, credentialHex, voterJson, voterNonceHex) {
  const voter = ciphertextFromJson(voterJson, 'challenge.voter');
  const again = encryptCredential(authority, pointFromHex(credentialHex, 'challenge.credential'), scalarFromHex(voterNonceHex, 'challenge.voter_nonce'));
  if (!again.alpha.equals(voter.alpha) || !again.beta.equals(voter.beta)) {
    throw new ProofError('voter: not the credential encrypted with the nonce revealed');
  }
  return ciphertextBytes(voter);
}

export { ciphertextToJson, ciphertextFromJson };
