// The booth's deniable ballots (src/deniable.js) reproduce vectors/deniable_ballot.json, made
// by the Python client (services/voter.py), and refuse each altered submission at the check
// the file names; the credential proofs of vectors/deniable.json verify, and altered ones fail.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as c from '../src/index.js';

const VECTORS = new URL('../../../vectors/', import.meta.url);
const load = (name) => JSON.parse(readFileSync(new URL(`${name}.json`, VECTORS), 'utf8'));
const s = (h) => c.scalarFromHex(h);
const ctxOf = (v) => ({ fingerprint: c.fromHex(v.fingerprint), publicKey: c.pointFromHex(v.public_key), questions: v.questions });

test('deniable ballots from given nonces are the Python client\'s, byte for byte', () => {
  const valid = load('deniable_ballot').cases.filter((v) => v.valid);
  assert.equal(valid.length, 2);
  for (const v of valid) {
    const key = c.deriveCredential(v.election_id, v.private);
    const authority = c.pointFromHex(v.authority);
    const encrypted = c.encryptDeniableWithNonces(ctxOf(v), v.region, authority, key.public, v.selections, c.noncesFromJson(v.nonces), s(v.voter_nonce));
    assert.deepEqual(c.ciphertextToJson(encrypted.voter), v.voter);
    assert.equal(encrypted.trackingCode, v.tracking_code);
    assert.equal(c.toHex(c.credentialContext(c.fromHex(v.fingerprint), v.region, encrypted.ballot)), v.context);
    const submission = c.deniableSubmissionWithNonces(v.fingerprint, authority, key, encrypted, v.proof_nonces.map(s), s(v.signature_nonce));
    assert.deepEqual(submission, v.submission);
    const message = c.deniableSigningMessage(c.fromHex(v.fingerprint), key.public.toBytes(), v.region, submission.ballot, encrypted.voter, submission.credential_proof);
    assert.equal(c.toHex(message), v.message);
    c.verifyDeniableSubmission(ctxOf(v), authority, submission);
  }
});

test('each refused deniable submission fails at the check the vectors name', () => {
  const refused = load('deniable_ballot').cases.filter((v) => !v.valid);
  assert.ok(refused.length >= 12);
  for (const v of refused) {
    assert.throws(() => c.verifyDeniableSubmission(ctxOf(v), c.pointFromHex(v.authority), v.submission), (e) => e.check === v.fails, v.reason);
  }
});

test('credential proofs of vectors/deniable.json: valid ones verify, altered ones fail', () => {
  const all = load('deniable').cases.filter((v) => v.kind === 'credential');
  assert.ok(all.some((v) => v.valid) && all.some((v) => !v.valid));
  for (const v of all) {
    const check = () => {
      const voter = c.ciphertextFromJson(v.voter, 'voter');
      c.verifyLinear(c.CREDENTIAL_PROOF_DOMAIN, c.credentialRelation(c.pointFromHex(v.authority_key), voter), v.proof, c.fromHex(v.context), 'credential_proof');
    };
    if (v.valid) check();
    else assert.throws(check, (e) => e.message.startsWith(v.fails), v.reason);
  }
});

test('a deniable challenge checks, and one naming another voter ciphertext does not', () => {
  const v = load('deniable_ballot').cases.find((x) => x.valid && x.questions.length === 1);
  const info = {
    fingerprint: v.fingerprint,
    election_key: v.public_key,
    question_shapes: v.questions,
    manifest: {
      id: v.election_id, revoting: 'deniable', tallying_authority: v.authority,
      regions: [{ id: v.region }], questions: [{ id: 'q1', answers: ['yes', 'no', 'blank'] }],
    },
  };
  let k = 0n;
  const randomScalar = () => (k += 7n);
  const key = c.deriveCredential(v.election_id, v.private);
  const encrypted = c.encryptDeniableChoices({ info, region: v.region, credential: key.public, choices: { q1: ['no'] }, randomScalar });
  const data = c.challengeData(info, encrypted, { q1: ['no'] });
  assert.equal(data.format, 'referendum-challenge/3');
  assert.deepEqual(c.checkChallenge(info, data), { q1: ['no'] });
  const other = c.encryptCredential(c.pointFromHex(v.authority), key.public, 5n);
  assert.throws(() => c.checkChallenge(info, { ...data, voter: c.ciphertextToJson(other) }), /voter/);
  const { voter_nonce: _, ...visibleShape } = data;
  assert.throws(() => c.checkChallenge(info, { ...visibleShape, format: 'referendum-challenge/2' }), /format/);
  // cast instead: the submission passes the board's checks
  const submission = c.signDeniableBallot({ info, encrypted, key, randomScalar });
  c.verifyDeniableSubmission(c.contextFromReferendum(info, v.region), c.pointFromHex(v.authority), submission);
  assert.deepEqual(Object.keys(submission).sort(), ['ballot', 'credential', 'credential_proof', 'election', 'region', 'signature', 'voter']);
});
