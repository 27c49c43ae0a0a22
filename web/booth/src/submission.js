// A whole ballot submission, exactly as services.voter.prepare_ballot makes it.
import { fromHex, utf8 } from './bytes.js';
import { canonicalJson } from './canonical.js';
import { pointFromHex, pointToHex, scalarToHex, scalarFromUniform } from './group.js';
import { sha256Fields } from './hashing.js';
import { encryptBallotWithNonces, noncesToJson, randomBallotNonces, trackingCode } from './ballot.js';
import { deriveCredential, signWithNonce } from './credentials.js';

export const BALLOT_SIGNATURE_DOMAIN = 'referendum/v1/ballot-signature';

/** What the credential signs: election, credential, region and the ballot's canonical JSON. */
export const ballotSigningMessage = (fingerprint, credentialBytes, region, ballotJson) =>
  sha256Fields(BALLOT_SIGNATURE_DOMAIN, fingerprint, credentialBytes, utf8(region), canonicalJson(ballotJson));

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
 * Encrypt, prove and sign a ballot.  `randomScalar` gives fresh scalars (the system
 * generator in the booth; given values in tests).  Returns {submission, trackingCode,
 * nonces, selections}.
 */
export function prepareBallot({ info, region, privateCredential, choices, randomScalar = systemRandomScalar, nonces, signatureNonce }) {
  const ctx = contextFromReferendum(info, region);
  const { secret, public: pub } = deriveCredential(info.manifest.id, privateCredential);
  const selections = selectionsFromChoices(info, choices, region);
  const ballotNonces = nonces ?? randomBallotNonces(ctx, randomScalar);
  const ballot = encryptBallotWithNonces(ctx, selections, ballotNonces, pub.toBytes());
  const message = ballotSigningMessage(ctx.fingerprint, pub.toBytes(), region, ballot);
  const sig = signWithNonce(secret, pub, message, signatureNonce ?? randomScalar());
  const submission = {
    election: info.fingerprint,
    region,
    credential: pointToHex(pub),
    ballot,
    signature: { commitment: pointToHex(sig.commitment), response: scalarToHex(sig.response) },
  };
  return { submission, trackingCode: trackingCode(ballot), nonces: ballotNonces, selections, noncesJson: noncesToJson(ballotNonces) };
}
