// The booth's cryptography reproduces every known-answer vector of vectors/ that a voting
// client needs (group, hashing, ElGamal, range proofs, ballots, credentials) and rejects
// every negative one.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as c from '../src/index.js';

const VECTORS = new URL('../../../vectors/', import.meta.url);
const load = (name) => JSON.parse(readFileSync(new URL(`${name}.json`, VECTORS), 'utf8'));
const cases = (name, kind) => load(name).cases.filter((x) => x.kind === kind);
const hexScalar = (h) => c.scalarFromHex(h);
const pairs = (list) => list.map(([u, v]) => [hexScalar(u), hexScalar(v)]);

test('group: small multiples, invalid encodings, scalars, scalar multiplication', () => {
  for (const v of cases('group', 'small-multiple')) assert.equal(c.small(v.multiple).toHex(), v.encoding);
  const bad = cases('group', 'point-decode');
  assert.ok(bad.length >= 29);
  for (const v of bad) assert.throws(() => c.pointFromHex(v.encoding), c.InputError, v.reason);
  for (const v of cases('group', 'scalar-decode')) {
    if (v.valid) assert.equal(c.scalarToHex(c.scalarFromHex(v.encoding)), v.encoding);
    else assert.throws(() => c.scalarFromHex(v.encoding), c.InputError, v.reason);
  }
  for (const v of cases('group', 'scalar-mul')) {
    const a = hexScalar(v.a);
    const b = hexScalar(v.b);
    assert.equal(c.baseMul(a).toHex(), v.a_times_G);
    assert.equal(c.baseMul(c.mod(a * b)).toHex(), v.ab_times_G);
    assert.equal(c.scalarToHex(a + b), v.a_plus_b);
    assert.equal(c.scalarToHex(a * b), v.a_times_b);
  }
});

test('hashing: encode_fields, hash_to_scalar, sha256_fields', () => {
  for (const v of cases('hashing', 'encode-fields')) {
    assert.equal(c.toHex(c.encodeFields(...v.parts.map((p) => c.fromHex(p)))), v.encoding);
  }
  for (const v of cases('hashing', 'hash-to-scalar')) {
    assert.equal(c.scalarToHex(c.hashToScalar(v.domain, ...v.parts.map((p) => c.fromHex(p)))), v.scalar);
  }
  for (const v of cases('hashing', 'sha256-fields')) {
    assert.equal(c.toHex(c.sha256Fields(v.domain, ...v.parts.map((p) => c.fromHex(p)))), v.digest);
  }
});

test('elgamal: encryption with given nonces', () => {
  for (const v of cases('elgamal', 'encrypt')) {
    const ct = c.encrypt(c.pointFromHex(v.public_key), v.message, hexScalar(v.nonce));
    assert.deepEqual({ alpha: ct.alpha.toHex(), beta: ct.beta.toHex() }, v.ciphertext);
  }
});

test('range proofs: given nonces give the same proof; bad ones fail', () => {
  const all = cases('proofs', 'range');
  assert.ok(all.length >= 8);
  for (const v of all) {
    const ciphertext = { alpha: c.pointFromHex(v.ciphertext.alpha), beta: c.pointFromHex(v.ciphertext.beta) };
    const common = {
      domain: v.domain, fingerprint: c.fromHex(v.fingerprint), publicKey: c.pointFromHex(v.public_key),
      ciphertext, lo: v.lo, hi: v.hi, context: c.fromHex(v.context),
    };
    const proof = c.rangeProofFromJson(v.proof, v.hi - v.lo + 1);
    if (v.valid) {
      const made = c.proveRangeWithNonces({ ...common, message: v.message, nonce: hexScalar(v.encryption_nonce), nonces: pairs(v.proof_nonces) });
      assert.deepEqual(c.rangeProofToJson(made), v.proof);
      c.verifyRange({ ...common, proof });
    } else {
      assert.throws(() => c.verifyRange({ ...common, proof }), c.ProofError, v.reason);
    }
  }
});

const ballotContext = (v) => ({ fingerprint: c.fromHex(v.fingerprint), publicKey: c.pointFromHex(v.public_key), questions: v.questions });

test('ballots: encryption, tracking code, audit and verification; bad ballots fail', () => {
  const all = cases('ballot', 'ballot');
  assert.ok(all.some((v) => v.valid) && all.some((v) => !v.valid));
  for (const v of all) {
    const ctx = ballotContext(v);
    const binding = c.fromHex(v.binding);
    if (v.valid) {
      const nonces = c.noncesFromJson(v.nonces);
      const ballot = c.encryptBallotWithNonces(ctx, v.selections, nonces, binding);
      assert.deepEqual(ballot, v.ballot);
      assert.equal(c.trackingCode(ballot), v.tracking_code);
      assert.deepEqual(c.noncesToJson(nonces), v.nonces);
      c.verifyBallot(ctx, v.ballot, binding);
      c.auditBallot(ctx, v.ballot, v.selections, nonces, binding);
      const other = v.selections.map((marks) => [...marks].reverse());
      if (JSON.stringify(other) !== JSON.stringify(v.selections)) {
        assert.throws(() => c.auditBallot(ctx, v.ballot, other, nonces, binding), c.ProofError);
      }
    } else {
      assert.throws(() => c.verifyBallot(ctx, v.ballot, binding), (e) => e instanceof c.ProofError || e instanceof c.InputError, v.reason);
    }
  }
});

test('credentials: derivation, signatures, checksums', () => {
  for (const v of cases('credentials', 'credential')) {
    const pub = c.pointFromHex(v.public);
    const sig = { commitment: c.pointFromHex(v.signature.commitment), response: hexScalar(v.signature.response) };
    const message = c.fromHex(v.message);
    if (v.valid) {
      const key = c.deriveCredential(v.election_id, v.private);
      assert.equal(c.scalarToHex(key.secret), v.secret);
      assert.equal(key.public.toHex(), v.public);
      const made = c.signWithNonce(key.secret, key.public, message, hexScalar(v.nonce));
      assert.equal(made.commitment.toHex(), v.signature.commitment);
      assert.equal(c.scalarToHex(made.response), v.signature.response);
      c.verifySignature(pub, message, sig);
      // reading rules: upper case, spaces, o for 0, l for 1
      assert.equal(c.deriveCredential(v.election_id, v.private.toUpperCase().replaceAll('-', ' ')).public.toHex(), v.public);
    } else {
      assert.throws(() => c.verifySignature(pub, message, sig), c.ProofError, v.reason);
    }
  }
  for (const v of cases('credentials', 'private-credential')) {
    assert.throws(() => c.normalizePrivateCredential(v.private), (e) => e.code === 'checksum', v.reason);
  }
});

test('signed ballots: signature and proofs together, and every kind to reject', () => {
  const all = cases('signed_ballot', 'signed-ballot');
  assert.ok(all.length >= 16);
  for (const v of all) {
    const message = c.ballotSigningMessage(c.fromHex(v.fingerprint), c.fromHex(v.credential), v.region, v.ballot, v.replaces);
    assert.equal(c.toHex(message), v.message);
    const check = () => {
      const credential = c.pointFromHex(v.credential);
      const sig = { commitment: c.pointFromHex(v.signature.commitment), response: hexScalar(v.signature.response) };
      c.verifySignature(credential, message, sig);
      c.verifyBallot(ballotContext(v), v.ballot, c.fromHex(v.credential));
    };
    if (v.valid) check();
    else assert.throws(check, undefined, v.reason);
  }
});

test('canonical JSON matches the Python encoder on escapes and key order', () => {
  const text = c.canonicalJsonText({ b: [1, true, null], a: 'é"\\\n\u0001\u2028', Z: {} });
  assert.equal(text, '{"Z":{},"a":"é\\"\\\\\\n\\u0001\u2028","b":[1,true,null]}');
  assert.throws(() => c.canonicalJsonText({ x: 1.5 }));
});

test('the portable runner (used inside Chromium) passes too', async () => {
  const { runVectors } = await import('./run-vectors.js');
  const out = runVectors({ proofs: load('proofs'), ballot: load('ballot'), credentials: load('credentials'), deniable_ballot: load('deniable_ballot') });
  assert.deepEqual(out.failures, []);
  assert.ok(out.passed >= 38);
});
