// The board's transparency log (docs/spec/log.md): the Merkle tree's hashes, inclusion and
// consistency proofs (RFC 9162 sections 2.1.3.2 and 2.1.4.2), signed checkpoints and witness
// cosignatures. Sizes are JavaScript numbers (exact below 2^53, as the spec bounds them), so
// the bit steps of the RFC are written as arithmetic (% 2, halving), never as 32-bit `&`/`>>`.
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, equalBytes, fromHex, InputError, ProofError, toHex, utf8 } from './bytes.js';
import { Point, scalarFromBytes } from './group.js';
import { sha256Fields } from './hashing.js';
import { verifySignature } from './credentials.js';

export const HASH_SIZE = 32;
export const MAX_NOTE_BYTES = 64 * 1024;
export const CHECKPOINT_DOMAIN = 'referendum/v1/checkpoint';
export const COSIGNATURE_DOMAIN = 'referendum/v1/cosignature';
export const CHECKPOINT_SIGNATURE_TYPE = concat(new Uint8Array([0xff]), utf8('referendum/v1/checkpoint-schnorr-ristretto255'));
export const COSIGNATURE_TYPE = concat(new Uint8Array([0xff]), utf8('referendum/v1/cosignature-schnorr-ristretto255'));
const MAX_SIZE = 2 ** 53 - 1;
const MAX_SIGNATURES = 64;

export const leafHash = (data) => sha256(concat(new Uint8Array([0]), data));
export const nodeHash = (left, right) => sha256(concat(new Uint8Array([1]), left, right));
/** The leaf hash of the event whose hash (64 hex digits) is `eventHash`. */
export const eventLeaf = (eventHash) => leafHash(fromHex(eventHash, 'event_hash'));

const largestPowerBelow = (n) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
const odd = (n) => n % 2 === 1;
const powerOfTwo = (n) => {
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
};
const half = (n) => Math.floor(n / 2);

/** How many hashes the inclusion proof of leaf `index` in a tree of `size` holds. */
export function inclusionLength(index, size) {
  let count = 0;
  while (size > 1) {
    const k = largestPowerBelow(size);
    if (index < k) size = k;
    else {
      index -= k;
      size -= k;
    }
    count += 1;
  }
  return count;
}

/** How many hashes the consistency proof from `from` to `to` (0 < from < to) holds. */
export function consistencyLength(from, to) {
  let count = 0;
  let whole = true;
  while (from !== to) {
    const k = largestPowerBelow(to);
    if (from <= k) to = k;
    else {
      from -= k;
      to -= k;
      whole = false;
    }
    count += 1;
  }
  return count + (whole ? 0 : 1);
}

function checkHashes(what, hashes) {
  hashes.forEach((h, i) => {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) throw new ProofError(`${what}: hash ${i} is not ${HASH_SIZE} bytes`);
  });
}

const isSize = (n) => Number.isSafeInteger(n) && n >= 0;

/** Throws ProofError unless `hashes` prove leaf hash `leaf` at `index` in the tree of `size`
 * leaves with root `root` (RFC 9162 2.1.3.2). */
export function verifyInclusion(index, size, leaf, hashes, root) {
  const what = `inclusion proof of leaf ${index} in the tree of size ${size}`;
  if (!isSize(index) || !isSize(size) || index >= size) throw new ProofError(`${what}: the index is not below the size`);
  checkHashes(what, [leaf, root, ...hashes]);
  const expected = inclusionLength(index, size);
  if (hashes.length !== expected) throw new ProofError(`${what}: ${hashes.length} hashes where the tree shape needs ${expected}`);
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of hashes) {
    if (sn === 0) throw new ProofError(`${what}: more hashes than levels`);
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else r = nodeHash(r, p);
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new ProofError(`${what}: fewer hashes than levels`);
  if (!equalBytes(r, root)) throw new ProofError(`${what}: the computed root ${toHex(r)} is not ${toHex(root)}`);
}

/** Throws ProofError unless `hashes` prove the tree of `from` leaves with root `oldRoot` a
 * prefix of the tree of `to` leaves with root `newRoot` (RFC 9162 2.1.4.2). */
export function verifyConsistency(from, to, oldRoot, newRoot, hashes) {
  const what = `consistency proof from size ${from} to size ${to}`;
  if (!isSize(from) || !isSize(to) || from > to) throw new ProofError(`${what}: the tree went backwards`);
  checkHashes(what, [oldRoot, newRoot, ...hashes]);
  const expected = from === 0 || from === to ? 0 : consistencyLength(from, to);
  if (hashes.length !== expected) throw new ProofError(`${what}: ${hashes.length} hashes where the tree shapes need ${expected}`);
  if (from === 0) {
    if (!equalBytes(oldRoot, sha256(new Uint8Array()))) throw new ProofError(`${what}: the root of the empty tree is not SHA-256 of nothing`);
    return;
  }
  if (from === to) {
    if (!equalBytes(oldRoot, newRoot)) throw new ProofError(`${what}: two different roots for one size (a split view)`);
    return;
  }
  const path = [...hashes];
  if (powerOfTwo(from)) path.unshift(oldRoot);
  let fn = from - 1;
  let sn = to - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let first = path[0];
  let second = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) throw new ProofError(`${what}: more hashes than levels`);
    if (odd(fn) || fn === sn) {
      first = nodeHash(c, first);
      second = nodeHash(c, second);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else second = nodeHash(second, c);
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new ProofError(`${what}: fewer hashes than levels`);
  if (!equalBytes(first, oldRoot)) throw new ProofError(`${what}: the proof does not lead to the old root ${toHex(oldRoot)}`);
  if (!equalBytes(second, newRoot)) throw new ProofError(`${what}: the proof does not lead to the new root ${toHex(newRoot)}`);
}

// -- signed checkpoints (log.md section 3) --------------------------------------------------

const ORIGIN = /^referendum\/[0-9a-f]{64}$/;
const SIZE = /^(0|[1-9][0-9]{0,15})$/;
const NAME = /^[\x21-\x2a\x2c-\x7e]{1,256}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$/;
const DASH = '\u2014 ';

function base64Decode(text, field) {
  if (!BASE64.test(text) || text.length % 4) throw new InputError(field, 'is not standard base64 (RFC 4648 section 4, padded)');
  const binary = atob(text);
  const out = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  if (btoa(binary) !== text) throw new InputError(field, 'is not the canonical base64 of its bytes');
  return out;
}

const base64Encode = (bytes) => btoa(String.fromCharCode(...bytes));

function validTime(text) {
  if (!TIME.test(text)) return false;
  const date = new Date(text.slice(0, 19) + 'Z');
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 19) === text.slice(0, 19);
}

/** A checkpoint body's fields: {origin, size, root (bytes), time, body (text)}. */
export function parseCheckpoint(text, field = 'checkpoint') {
  if (!text.endsWith('\n')) throw new InputError(field, 'does not end in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length !== 4) throw new InputError(field, `has ${lines.length} lines, not 4 (origin, size, root, time extension)`);
  const [origin, sizeText, rootText, timeLine] = lines;
  if (!ORIGIN.test(origin)) throw new InputError(`${field}.origin`, 'is not referendum/<64 hex digits>');
  if (!SIZE.test(sizeText) || Number(sizeText) > MAX_SIZE) throw new InputError(`${field}.size`, 'is not a decimal tree size (no leading zero)');
  const root = base64Decode(rootText, `${field}.root`);
  if (root.length !== HASH_SIZE) throw new InputError(`${field}.root`, `is ${root.length} bytes, not ${HASH_SIZE}`);
  if (!timeLine.startsWith('time ')) throw new InputError(`${field}.time`, "the extension line is not 'time <timestamp>'");
  const time = timeLine.slice(5);
  if (!validTime(time)) throw new InputError(`${field}.time`, 'is not a UTC time YYYY-MM-DDTHH:MM:SS.ffffffZ');
  return { origin, size: Number(sizeText), root, time, body: text };
}

/** A signed note: {checkpoint, signatures: [{name, keyId, data}]} (signatures not verified). */
export function parseNote(text, field = 'checkpoint') {
  if (utf8(text).length > MAX_NOTE_BYTES) throw new InputError(field, `is larger than ${MAX_NOTE_BYTES} bytes`);
  if ([...text].some((ch) => ch < ' ' && ch !== '\n')) throw new InputError(field, 'contains a control character other than newline');
  const cut = text.lastIndexOf('\n\n');
  if (cut < 0) throw new InputError(field, 'has no empty line before its signatures');
  const checkpoint = parseCheckpoint(text.slice(0, cut + 1), field);
  const rest = text.slice(cut + 2);
  if (!rest.endsWith('\n')) throw new InputError(`${field}.signatures`, 'the last signature line has no newline');
  const lines = rest.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new InputError(`${field}.signatures`, `more than ${MAX_SIGNATURES} signature lines`);
  const signatures = lines.map((line, i) => {
    const where = `${field}.signatures[${i}]`;
    if (!line.startsWith(DASH)) throw new InputError(where, 'does not start with an em dash and a space');
    const body = line.slice(DASH.length);
    const space = body.indexOf(' ');
    const name = space < 0 ? '' : body.slice(0, space);
    if (space < 0 || !NAME.test(name)) throw new InputError(where, "the key name is empty or has a space, '+' or non-ASCII");
    const data = base64Decode(body.slice(space + 1), where);
    if (data.length < 5) throw new InputError(where, 'is shorter than a key id and a signature');
    return { name, keyId: data.slice(0, 4), data: data.slice(4) };
  });
  return { checkpoint, signatures };
}

/** The note's text again (body, empty line, signature lines). */
export const noteText = (note) =>
  note.checkpoint.body + '\n' + note.signatures.map((s) => `${DASH}${s.name} ${base64Encode(concat(s.keyId, s.data))}\n`).join('');

export const keyId = (name, type, pub) => sha256(concat(utf8(name), new Uint8Array([0x0a]), type, pub.toBytes())).slice(0, 4);

function signatureOf(data, what) {
  if (data.length !== 64) throw new ProofError(`${what}: the signature is ${data.length} bytes, not 64`);
  try {
    return { commitment: Point.fromBytes(data.slice(0, 32)), response: scalarFromBytes(data.slice(32)) };
  } catch (e) {
    throw new ProofError(`${what}: the signature does not decode`);
  }
}

/** The checkpoint, once its origin names `fingerprint` (hex) and the board's line verifies
 * under `boardKey` (a Point); ProofError otherwise. */
export function verifyCheckpoint(note, fingerprint, boardKey) {
  const cp = note.checkpoint;
  const what = `checkpoint of size ${cp.size}`;
  const origin = `referendum/${fingerprint}`;
  if (cp.origin !== origin) throw new ProofError(`${what}: the origin ${cp.origin} is not this referendum's`);
  const wanted = keyId(origin, CHECKPOINT_SIGNATURE_TYPE, boardKey);
  const lines = note.signatures.filter((s) => s.name === origin && equalBytes(s.keyId, wanted));
  if (!lines.length) throw new ProofError(`${what}: no signature by the manifest's board key`);
  const message = sha256Fields(CHECKPOINT_DOMAIN, utf8(cp.body));
  for (const line of lines) {
    try {
      verifySignature(boardKey, message, signatureOf(line.data, what));
    } catch (e) {
      throw new ProofError(`${what}: the board's signature does not verify`);
    }
  }
  return cp;
}

/** The time (Unix seconds) of witness `name`'s valid cosignature on the note; ProofError
 * when the note holds none. */
export function verifyCosignature(note, name, pub) {
  const cp = note.checkpoint;
  const what = `cosignature of ${name} on the checkpoint of size ${cp.size}`;
  const wanted = keyId(name, COSIGNATURE_TYPE, pub);
  const line = note.signatures.find((s) => s.name === name && equalBytes(s.keyId, wanted));
  if (!line) throw new ProofError(`${what}: the note holds none`);
  if (line.data.length !== 72) throw new ProofError(`${what}: ${line.data.length} bytes, not 8 (time) + 64`);
  let time = 0n;
  for (const b of line.data.slice(0, 8)) time = (time << 8n) | BigInt(b);
  if (time >= 2n ** 63n) throw new ProofError(`${what}: the time does not fit in 63 bits`);
  const message = sha256Fields(COSIGNATURE_DOMAIN, concat(utf8(`cosignature/v1\ntime ${time}\n`), utf8(cp.body)));
  try {
    verifySignature(pub, message, signatureOf(line.data.slice(8), what));
  } catch (e) {
    throw new ProofError(`${what}: the signature does not verify`);
  }
  return time;
}
