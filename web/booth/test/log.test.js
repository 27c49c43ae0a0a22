// The booth's log code (src/log.js) reproduces the log's known-answer vectors
// (vectors/merkle.json, vectors/checkpoint.json): every root, every valid inclusion and
// consistency proof holds, every invalid one is refused; the signed and cosigned notes verify,
// the negative notes fail as the vectors say.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as c from '../src/index.js';

const VECTORS = new URL('../../../vectors/', import.meta.url);
const load = (name) => JSON.parse(readFileSync(new URL(`${name}.json`, VECTORS), 'utf8'));
const hexes = (list) => list.map((h) => c.fromHex(h));

// The root of leaves, folded as docs/spec/log.md section 1 defines the tree.
function root(leaves) {
  if (leaves.length === 0) return c.fromHex('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return c.nodeHash(root(leaves.slice(0, k)), root(leaves.slice(k)));
}

test('merkle vectors: roots, inclusion and consistency proofs', () => {
  const counts = { root: 0, inclusion: 0, consistency: 0, refused: 0 };
  for (const v of load('merkle').cases) {
    counts[v.kind] += 1;
    if (v.kind === 'root') {
      const leaves = v.leaf_data ? v.leaf_data.map((d) => c.leafHash(c.fromHex(d))) : v.event_hashes.map(c.eventLeaf);
      assert.equal(c.toHex(root(leaves)), v.root);
    } else if (v.kind === 'inclusion') {
      const check = () => c.verifyInclusion(v.index, v.size, c.fromHex(v.leaf), hexes(v.hashes), c.fromHex(v.root));
      if (v.valid) check();
      else {
        assert.throws(check, c.ProofError, v.reason);
        counts.refused += 1;
      }
    } else if (v.kind === 'consistency') {
      const check = () => c.verifyConsistency(v.from, v.to, c.fromHex(v.old_root), c.fromHex(v.new_root), hexes(v.hashes));
      if (v.valid) check();
      else {
        assert.throws(check, c.ProofError, v.reason);
        counts.refused += 1;
      }
    }
  }
  assert.ok(counts.root >= 10 && counts.inclusion >= 10 && counts.consistency >= 10 && counts.refused >= 5, JSON.stringify(counts));
});

test('proof lengths at national scale stay exact above 2^32 (no 32-bit bit operations)', () => {
  assert.equal(c.inclusionLength(0, 2 ** 40), 40);
  assert.equal(c.inclusionLength(2 ** 40 - 1, 2 ** 40 + 1), 41);
  assert.equal(c.consistencyLength(2 ** 33, 2 ** 34), 1);
  // RFC 6962 section 2.1.3's examples on the tree of 7 leaves: PROOF(3) = [c, d, g, l],
  // PROOF(4) = [l], PROOF(6) = [i, j, k]; the path of d6 is [i, k], of d0 [b, h, l]
  assert.deepEqual([3, 4, 6].map((m) => c.consistencyLength(m, 7)), [4, 1, 3]);
  assert.deepEqual([0, 6].map((m) => c.inclusionLength(m, 7)), [3, 2]);
});

test('checkpoint vectors: the signed and cosigned notes verify, the negative ones fail', () => {
  const v = load('checkpoint');
  const board = c.pointFromHex(v.board_key);
  const witness = c.pointFromHex(v.witness_key);
  assert.equal(c.toHex(c.keyId(`referendum/${v.fingerprint}`, c.CHECKPOINT_SIGNATURE_TYPE, board)), v.board_key_id);
  assert.equal(c.toHex(c.keyId(v.witness_name, c.COSIGNATURE_TYPE, witness)), v.witness_key_id);
  const signed = c.parseNote(v.signed);
  assert.equal(c.noteText(signed), v.signed);
  const cp = c.verifyCheckpoint(signed, v.fingerprint, board);
  assert.equal(cp.size, v.size);
  assert.equal(c.toHex(cp.root), v.root);
  assert.equal(cp.body, v.body);
  const cosigned = c.parseNote(v.cosigned);
  c.verifyCheckpoint(cosigned, v.fingerprint, board);
  assert.equal(c.verifyCosignature(cosigned, v.witness_name, witness), BigInt(v.cosignature_time));
  assert.throws(() => c.verifyCosignature(signed, v.witness_name, witness), c.ProofError);
  assert.throws(() => c.verifyCosignature(cosigned, v.witness_name, board), c.ProofError);
  assert.ok(v.invalid.length >= 8);
  for (const bad of v.invalid) {
    const error = bad.error === 'input' ? c.InputError : c.ProofError;
    assert.throws(() => c.verifyCheckpoint(c.parseNote(bad.note), v.fingerprint, board), error, bad.reason);
  }
});
