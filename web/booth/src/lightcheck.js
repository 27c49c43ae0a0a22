// The booth's light check after casting (docs/spec/witness.md section 6): is the receipt's
// event in the log that the manifest's witnesses cosigned? The booth fetches the board's
// latest checkpoint and proofs, and each witness's last cosigned checkpoint from the
// witness's own URL, and checks every signature, proof and cosignature here.
// `lightCheck` resolves to {witnesses, size} or rejects with a LightCheckError whose `code`
// names what failed (the booth's catalogue has a message per code).
import { fromHex } from './bytes.js';
import { pointFromHex } from './group.js';
import { eventLeaf, parseNote, verifyCheckpoint, verifyConsistency, verifyCosignature, verifyInclusion } from './log.js';

export class LightCheckError extends Error {
  constructor(code, detail = '') {
    super(`${code}: ${detail}`);
    this.code = code;
    this.detail = detail;
  }
}

const hashesOf = (body) => {
  if (!body || !Array.isArray(body.hashes) || body.hashes.length > 128) throw new LightCheckError('bad_proof', 'not a proof');
  return body.hashes.map((h) => fromHex(h, 'hash'));
};

/**
 * info: the referendum as the booth checked it (fingerprint recomputed, manifest);
 * receipt: the board's signed receipt (its height and event_hash);
 * get(url) -> Promise<{status, text}> (same-origin for the board, cross-origin for witnesses).
 */
export async function lightCheck({ info, receipt, get }) {
  const policy = info.manifest.witnesses;
  if (!policy) throw new LightCheckError('no_witnesses');
  const fingerprint = info.fingerprint;
  const boardKey = pointFromHex(info.manifest.board_key);
  const note = (text, code) => {
    try {
      const parsed = parseNote(text);
      verifyCheckpoint(parsed, fingerprint, boardKey);
      return parsed;
    } catch (e) {
      throw new LightCheckError(code, e.message);
    }
  };
  const json = async (url) => {
    const answer = await get(url);
    if (answer.status !== 200) throw new LightCheckError('no_proof', `${url}: HTTP ${answer.status}`);
    try {
      return JSON.parse(answer.text);
    } catch (e) {
      throw new LightCheckError('bad_proof', url);
    }
  };
  const consistent = async (a, b) => {
    if (a.size === b.size) return a.body === b.body || a.root.every((x, i) => x === b.root[i]);
    const [small, large] = a.size < b.size ? [a, b] : [b, a];
    if (small.time > large.time) return false;
    const hashes = small.size === 0 ? [] : hashesOf(await json(`/api/log/consistency?from=${small.size}&to=${large.size}`));
    try {
      verifyConsistency(small.size, large.size, small.root, large.root, hashes);
      return true;
    } catch (e) {
      return false;
    }
  };

  const boardAnswer = await get('/api/log/checkpoint');
  if (boardAnswer.status !== 200) throw new LightCheckError('no_checkpoint', `HTTP ${boardAnswer.status}`);
  const shown = note(boardAnswer.text, 'bad_checkpoint').checkpoint;

  const seen = [];
  for (const member of policy.members) {
    try {
      const answer = await get(`${member.url.replace(/\/+$/, '')}/checkpoint/${fingerprint}`);
      if (answer.status !== 200) continue;
      const parsed = note(answer.text, 'bad_witness');
      verifyCosignature(parsed, member.name, pointFromHex(member.public_key));
      seen.push({ name: member.name, checkpoint: parsed.checkpoint });
    } catch (e) {
      // a witness unreachable or serving what does not verify is left out
    }
  }
  seen.sort((a, b) => a.checkpoint.size - b.checkpoint.size);
  for (let i = 0; i < seen.length; i++) {
    for (const other of seen.slice(i + 1)) {
      if (!(await consistent(seen[i].checkpoint, other.checkpoint))) throw new LightCheckError('split_view', `${seen[i].name}, ${other.name}`);
    }
  }
  if (seen.length && !(await consistent(seen[seen.length - 1].checkpoint, shown))) {
    throw new LightCheckError('split_view', seen[seen.length - 1].name);
  }
  const index = seen.findIndex((s, i) => s.checkpoint.size > receipt.height && seen.length - i >= policy.threshold);
  if (index < 0) throw new LightCheckError('not_yet', String(policy.threshold));
  const target = seen[index].checkpoint;
  const witnesses = seen.slice(index).map((s) => s.name).sort();
  const proof = await json(`/api/log/inclusion?index=${receipt.height}&size=${target.size}`);
  try {
    verifyInclusion(receipt.height, target.size, eventLeaf(receipt.event_hash), hashesOf(proof), target.root);
  } catch (e) {
    if (e instanceof LightCheckError) throw e;
    throw new LightCheckError('not_included', e.message);
  }
  return { witnesses, size: target.size };
}
