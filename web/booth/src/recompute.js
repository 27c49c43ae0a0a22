// What the booth recomputes instead of trusting the server (docs/spec/verification.md,
// "What the booth checks before encrypting"): the referendum fingerprint from the manifest,
// and the election key from the key ceremony's events.  A mismatch stops the booth.
import { toHex, u64 } from './bytes.js';
import { canonicalJson } from './canonical.js';
import { O, baseMul, mul, pointFromHex, scalarFromHex } from './group.js';
import { encodeFields, hashToScalar, sha256Fields } from './hashing.js';

export const MANIFEST_DOMAIN = 'referendum/v1/manifest';
export const SCHNORR_DOMAIN = 'referendum/v1/proof/schnorr';
export const DKG_CONSTANT_DOMAIN = 'referendum/v1/dkg-constant';

/**
 * A served value the booth does not accept.  `code`: `fingerprint` (the fingerprint is not the
 * manifest's), `key` (the election key is not the ceremony's), `ceremony` (the ceremony is
 * incomplete or holds what the booth cannot judge); `detail` names the event and field.
 */
export class ServedValueError extends Error {
  constructor(code, detail) {
    super(`${code}: ${detail}`);
    this.code = code;
    this.detail = detail;
  }
}

/** The fingerprint: sha256_fields("referendum/v1/manifest", canonical_json(manifest)). */
export const manifestFingerprint = (manifest) => sha256Fields(MANIFEST_DOMAIN, canonicalJson(manifest));

function point(hex, where) {
  try {
    return pointFromHex(hex, where);
  } catch (e) {
    throw new ServedValueError('ceremony', `${where}: not a group element`);
  }
}

/** Schnorr proof (crypto.md 4.1) of the constant term C_i0 of dealer i, context dkg-constant. */
function checkConstantProof(fingerprint, dealer, constant, proof, where) {
  let commitment;
  let response;
  try {
    commitment = pointFromHex(proof.commitment, `${where}.commitment`);
    response = scalarFromHex(proof.response, `${where}.response`);
  } catch (e) {
    throw new ServedValueError('ceremony', `${where}: malformed proof`);
  }
  const context = encodeFields(new TextEncoder().encode(DKG_CONSTANT_DOMAIN), fingerprint, u64(dealer));
  const c = hashToScalar(SCHNORR_DOMAIN, constant.toBytes(), commitment.toBytes(), context);
  if (!baseMul(response).equals(commitment.add(mul(constant, c)))) {
    throw new ServedValueError('ceremony', `${where}: the proof of the constant term does not verify`);
  }
}

const sameList = (a, b) => Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The election key recomputed from the ceremony's events `[{type, payload}]`: every trustee
 * 1..n dealt once, with `threshold` commitments and a valid proof of the constant term, and
 * published one `trustee.check`; `election.key` splits the trustees into `qualified` (at least
 * `threshold`) and `disqualified`, ascending, every disqualified dealer named by a complaint;
 * its public key is the sum of the qualified dealers' constant terms.  The booth does not
 * judge complaints (their DLEQ proofs): `referendum verify` does (KEY_CEREMONY).  Returns the
 * Point.
 */
export function electionKeyFromCeremony(manifest, fingerprint, events) {
  if (!Array.isArray(events)) throw new ServedValueError('ceremony', 'events: expected a list');
  const n = manifest.trustees.names.length;
  const t = manifest.trustees.threshold;
  const deals = new Map();
  const checks = new Set();
  const accused = new Set();
  let keyEvent = null;
  events.forEach((event, e) => {
    const where = `event ${e} (${event?.type})`;
    const p = event?.payload ?? {};
    if (event?.type === 'trustee.deal') {
      if (!Number.isInteger(p.trustee) || p.trustee < 1 || p.trustee > n || deals.has(p.trustee)) {
        throw new ServedValueError('ceremony', `${where}.trustee: not a trustee, or a second deal`);
      }
      deals.set(p.trustee, { payload: p, where });
    } else if (event?.type === 'trustee.check') {
      if (!Number.isInteger(p.trustee) || p.trustee < 1 || p.trustee > n || checks.has(p.trustee)) {
        throw new ServedValueError('ceremony', `${where}.trustee: not a trustee, or a second check`);
      }
      if (!Array.isArray(p.complaints)) throw new ServedValueError('ceremony', `${where}.complaints: expected a list`);
      p.complaints.forEach((complaint, k) => {
        if (!Number.isInteger(complaint?.dealer)) {
          throw new ServedValueError('ceremony', `${where}.complaints[${k}].dealer: expected a trustee number`);
        }
        accused.add(complaint.dealer);
      });
      checks.add(p.trustee);
    } else if (event?.type === 'election.key') {
      if (keyEvent) throw new ServedValueError('ceremony', `${where}: a second election key`);
      keyEvent = { payload: p, where };
    } else {
      throw new ServedValueError('ceremony', `${where}.type: not an event of the key ceremony`);
    }
  });
  if (!keyEvent) throw new ServedValueError('ceremony', 'no election.key event');
  const { qualified, disqualified } = keyEvent.payload;
  const everyone = Array.from({ length: n }, (_, k) => k + 1);
  const ascending = (list) => Array.isArray(list) && list.every((x, k) => Number.isInteger(x) && (k === 0 || x > list[k - 1]));
  if (!ascending(qualified) || !ascending(disqualified) || !sameList([...qualified, ...disqualified].sort((a, b) => a - b), everyone)) {
    throw new ServedValueError('key', `${keyEvent.where}.qualified: qualified and disqualified do not split the trustees`);
  }
  if (qualified.length < t) throw new ServedValueError('key', `${keyEvent.where}.qualified: fewer than ${t} trustees`);
  for (const d of disqualified) {
    if (!accused.has(d)) throw new ServedValueError('key', `${keyEvent.where}.disqualified: trustee ${d}, against whom no complaint was made`);
  }
  for (const i of everyone) {
    if (!checks.has(i)) throw new ServedValueError('ceremony', `trustee ${i} has not published its trustee.check`);
  }
  let sum = O;
  for (let i = 1; i <= n; i++) {
    const deal = deals.get(i);
    if (!deal) throw new ServedValueError('ceremony', `trustee ${i} has not dealt`);
    const { commitments } = deal.payload;
    const where = `${deal.where}.commitments`;
    if (!commitments || commitments.dealer !== i) throw new ServedValueError('ceremony', `${where}.dealer: not ${i}`);
    if (!Array.isArray(commitments.coefficients) || commitments.coefficients.length !== t) {
      throw new ServedValueError('ceremony', `${where}.coefficients: expected ${t}`);
    }
    const constant = point(commitments.coefficients[0], `${where}.coefficients[0]`);
    checkConstantProof(fingerprint, i, constant, commitments.proof ?? {}, `${where}.proof`);
    if (qualified.includes(i)) sum = sum.add(constant);
  }
  if (keyEvent.payload.public_key !== sum.toHex()) {
    throw new ServedValueError('key', `${keyEvent.where}.public_key: not the sum of the qualified dealers' constant terms`);
  }
  return sum;
}

/**
 * Check what the server says (`info` = GET /api/referendum, `ceremony` = GET /api/ceremony)
 * against what the booth recomputes; returns `info` with the recomputed fingerprint and key,
 * or throws ServedValueError.
 */
export function checkServedValues(info, ceremony) {
  const fingerprint = manifestFingerprint(info.manifest);
  if (toHex(fingerprint) !== info.fingerprint) {
    throw new ServedValueError('fingerprint', 'fingerprint: not the hash of the manifest');
  }
  const key = electionKeyFromCeremony(info.manifest, fingerprint, ceremony?.events);
  if (key.toHex() !== info.election_key) {
    throw new ServedValueError('key', 'election_key: not the key of the ceremony');
  }
  return { ...info, fingerprint: toHex(fingerprint), election_key: key.toHex() };
}
