// The booth's recomputation of the fingerprint and the election key (src/recompute.js) on the
// Python-made conformance records of vectors/records/: the key it recomputes from each
// valid record's ceremony is the record's election.key, a disqualified dealer included;
// altering any input is caught.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as c from '../src/index.js';

const RECORDS = new URL('../../../vectors/records/', import.meta.url);
const CEREMONY = ['trustee.deal', 'trustee.check', 'election.key'];

function served(name) {
  const events = readFileSync(new URL(`${name}/events.jsonl`, RECORDS), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const manifest = events[0].payload;
  const ceremony = { events: events.filter((e) => CEREMONY.includes(e.type)).map(({ type, payload }) => ({ type, payload })) };
  const key = ceremony.events.find((e) => e.type === 'election.key').payload.public_key;
  const info = { manifest, fingerprint: c.toHex(c.manifestFingerprint(manifest)), election_key: key };
  return { info, ceremony };
}

const valid = JSON.parse(readFileSync(new URL('index.json', RECORDS), 'utf8')).records.filter((r) => r.verdict === 'valid').map((r) => r.name);

test('the key of every valid conformance record is recomputed, a disqualified dealer included', () => {
  assert.ok(valid.length >= 10);
  for (const name of valid) {
    const { info, ceremony } = served(name);
    assert.deepEqual(c.checkServedValues(info, ceremony), info, name);
  }
  assert.ok(valid.includes('justified-complaint'));
  const key = served('justified-complaint').ceremony.events.at(-1).payload;
  assert.ok(key.disqualified.length === 1, 'the record disqualifies a dealer');
});

test('a disqualification without a complaint, a missing check or a short split is refused', () => {
  const cases = [
    ['key', 'disqualified', (s) => {
      const key = s.ceremony.events.at(-1).payload;
      key.disqualified = [key.qualified.pop()];
    }],
    ['ceremony', 'trustee.check', (s) => {
      s.ceremony.events = s.ceremony.events.filter((e) => !(e.type === 'trustee.check' && e.payload.trustee === 2));
    }],
    ['key', 'split', (s) => { s.ceremony.events.at(-1).payload.qualified = [1, 2]; }],
    ['ceremony', 'dealer', (s) => {
      s.ceremony.events.find((e) => e.type === 'trustee.check').payload.complaints.push({ dealer: 'two' });
    }],
  ];
  for (const [code, what, alter] of cases) {
    const s = served('simple-majority');
    alter(s);
    assert.throws(() => c.checkServedValues(s.info, s.ceremony), (e) => e.code === code, what);
  }
  // keeping a justly accused dealer qualified gives another key: caught
  const s = served('justified-complaint');
  const key = s.ceremony.events.at(-1).payload;
  key.qualified = [...key.qualified, ...key.disqualified].sort((a, b) => a - b);
  key.disqualified = [];
  assert.throws(() => c.checkServedValues(s.info, s.ceremony), (e) => e.code === 'key' && /public_key/.test(e.detail));
});

test('an altered manifest, fingerprint, key or deal is caught', () => {
  const honest = served('simple-majority');
  const cases = [
    ['fingerprint', (s) => { s.info.fingerprint = '11'.repeat(32); }],
    ['fingerprint', (s) => { s.info.manifest.title += '!'; }],
    ['ceremony', (s) => { s.info.manifest.title += '!'; s.info.fingerprint = c.toHex(c.manifestFingerprint(s.info.manifest)); }],
    ['key', (s) => { s.info.election_key = c.small(7).toHex(); }],
    ['key', (s) => { s.ceremony.events.at(-1).payload.public_key = c.small(7).toHex(); s.info.election_key = c.small(7).toHex(); }],
    ['ceremony', (s) => { s.ceremony.events.shift(); }],
    ['ceremony', (s) => { s.ceremony.events[0].payload.commitments.coefficients[0] = c.small(7).toHex(); }],
    ['ceremony', (s) => { s.ceremony.events.push({ type: 'ballot.accepted', payload: {} }); }],
  ];
  for (const [code, alter] of cases) {
    const s = structuredClone(honest);
    alter(s);
    assert.throws(() => c.checkServedValues(s.info, s.ceremony), (e) => e instanceof c.ServedValueError && e.code === code, alter.toString());
  }
});
