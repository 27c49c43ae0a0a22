// A ballot: encrypted (services.voter.encrypt_choices), then signed to cast (sign_ballot).
import { fromHex, utf8 } from './bytes.js';
import { canonicalJson } from './canonical.js';
import { pointFromHex, pointToHex, scalarToHex, scalarFromUniform } from './group.js';
import { sha256Fields } from './hashing.js';
import { encryptBallotWithNonces, noncesToJson, randomBallotNonces, trackingCode } from './ballot.js';
import { deriveCredential, signWithNonce } from './credentials.js';

export const BALLOT_SIGNATURE_DOMAIN = 'referendum/v2/ballot-signature';

/** The signed field of `replaces`: a tracking code's 32 bytes, or no bytes for null. */
function replacesField(replaces) {
  if (replaces === null) return new Uint8Array(0);
  if (typeof replaces !== 'string' || !/^[0-9a-f]{64}$/.test(replaces)) {
    throw new Error('replaces must be null or a tracking code (64 lowercase hex digits)');
  }
  return fromHex(replaces);
}

/**
 * What the credential signs: election, credential, region, the ballot's canonical JSON and
 * the tracking code of the ballot it replaces (null for the credential's first ballot).
 */
export const ballotSigningMessage = (fingerprint, credentialBytes, region, ballotJson, replaces) =>
  sha256Fields(BALLOT_SIGNATURE_DOMAIN, fingerprint, credentialBytes, utf8(region), canonicalJson(ballotJson), replacesField(replaces));

/**
 * What the next ballot names in `replaces`: the board's last tracking code of the credential
 * (`boardLast`, null for none), checked against `ownLast`, the last code this device cast
 * (null when it knows of none).  Throws a DroppedBallot error when they differ.
 */
export function checkLastBallot(boardLast, ownLast) {
  if (ownLast && boardLast !== ownLast) {
    const error = new Error(`the board says this credential's last ballot is ${boardLast ?? 'none'}, but the last ballot this device cast is ${ownLast}`);
    error.code = 'dropped_ballot';
    error.board = boardLast;
    error.own = ownLast;
    throw error;
  }
  return boardLast ?? null;
}

/** A random scalar from 64 bytes of the platform's cryptographic generator. */
export function systemRandomScalar() {
  const bytes = new Uint8Array(64);
  globalThis.crypto.getRandomValues(bytes);
  return scalarFromUniform(bytes);
}

/** The indices of the questions on a region's ballot (its ballot style). */
const ballotStyle = (info, region) =>
  info.ballot_styles?.[region] ?? info.question_shapes.map((_, i) => i);

/** The ballot context of a region's ballot style, from the API's /api/referendum answer. */
export function contextFromReferendum(info, region) {
  return {
    fingerprint: fromHex(info.fingerprint),
    publicKey: pointFromHex(info.election_key),
    questions: ballotStyle(info, region).map((i) => info.question_shapes[i]),
  };
}

/** Turn {"q1": ["yes"]} into 0/1 selections for the region's questions, in the manifest's order. */
export function selectionsFromChoices(info, choices, region) {
  return ballotStyle(info, region).map((i) => info.manifest.questions[i]).map((q) => {
    const chosen = choices[q.id] ?? [];
    return q.answers.map((a) => (chosen.includes(a) ? 1 : 0));
  });
}

/**
 * Encrypt and prove a ballot for the public credential `credential` (a Point), with fresh
 * nonces, and sign nothing: the result may be challenged (its nonces shown) or signed with
 * signBallot and cast, never both.  `randomScalar` gives fresh scalars (the system generator
 * in the booth; given values in tests).  Returns {region, credential, ballot, trackingCode,
 * selections, nonces, noncesJson}.
 */
export function encryptChoices({ info, region, credential, choices, randomScalar = systemRandomScalar, nonces }) {
  const ctx = contextFromReferendum(info, region);
  const selections = selectionsFromChoices(info, choices, region);
  const ballotNonces = nonces ?? randomBallotNonces(ctx, randomScalar);
  const ballot = encryptBallotWithNonces(ctx, selections, ballotNonces, credential.toBytes());
  return {
    region, credential: pointToHex(credential), ballot, trackingCode: trackingCode(ballot),
    selections, nonces: ballotNonces, noncesJson: noncesToJson(ballotNonces),
  };
}

/**
 * The submission casting an (unchallenged) encrypted ballot: signed with the credential's key
 * {secret, public}, naming the ballot it replaces (`replaces`: the tracking code of the
 * credential's last ballot on the board, checked with checkLastBallot; null for its first).
 */
export function signBallot({ info, encrypted, key, replaces = null, randomScalar = systemRandomScalar, signatureNonce }) {
  if (pointToHex(key.public) !== encrypted.credential) throw new Error('this ballot was encrypted for another credential');
  const fingerprint = fromHex(info.fingerprint);
  const message = ballotSigningMessage(fingerprint, key.public.toBytes(), encrypted.region, encrypted.ballot, replaces);
  const sig = signWithNonce(key.secret, key.public, message, signatureNonce ?? randomScalar());
  return {
    election: info.fingerprint,
    region: encrypted.region,
    credential: encrypted.credential,
    ballot: encrypted.ballot,
    signature: { commitment: pointToHex(sig.commitment), response: scalarToHex(sig.response) },
    replaces,
  };
}

/** Encrypt, prove and sign a ballot at once (to cast it), replacing `replaces`.  Returns {submission, trackingCode, nonces, selections}. */
export function prepareBallot({ info, region, privateCredential, choices, replaces = null, randomScalar = systemRandomScalar, nonces, signatureNonce }) {
  const key = deriveCredential(info.manifest.id, privateCredential);
  const encrypted = encryptChoices({ info, region, credential: key.public, choices, randomScalar, nonces });
  const submission = signBallot({ info, encrypted, key, replaces, randomScalar, signatureNonce });
  return { submission, trackingCode: encrypted.trackingCode, nonces: encrypted.nonces, selections: encrypted.selections };
}
