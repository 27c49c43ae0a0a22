// Benaloh challenges (docs/spec/crypto.md section 5.5): an encrypted ballot that was never
// signed, with its choices and every nonce; the booth then makes a fresh ballot to cast.
import { fromHex } from './bytes.js';
import { auditBallot, noncesFromJson, trackingCode } from './ballot.js';
import { contextFromReferendum, selectionsFromChoices } from './submission.js';
import { authorityOf, checkDeniableVoter, ciphertextToJson } from './deniable.js';
import { scalarToHex } from './group.js';

export const CHALLENGE_FORMAT = 'referendum-challenge/2';
export const CHALLENGE_MEMBERS = ['format', 'election', 'region', 'credential', 'ballot', 'tracking_code', 'choices', 'selections', 'nonces'];
// with deniable revoting: the encrypted credential the proofs are bound to, and its nonce
export const DENIABLE_CHALLENGE_FORMAT = 'referendum-challenge/3';
export const DENIABLE_CHALLENGE_MEMBERS = [...CHALLENGE_MEMBERS, 'voter', 'voter_nonce'];

const isDeniable = (info) => info.manifest.revoting === 'deniable';

/**
 * What a challenge reveals about an unsigned ballot made by encryptChoices; the same file as
 * `referendum vote --challenge` writes, so `referendum check-challenge` reads it.  It holds no
 * signature: whoever sees it cannot cast it without the private credential.
 */
export const challengeData = (info, encrypted, choices) => ({
  ...(encrypted.voter ? { voter: ciphertextToJson(encrypted.voter), voter_nonce: scalarToHex(encrypted.voterNonce) } : {}),
  format: encrypted.voter ? DENIABLE_CHALLENGE_FORMAT : CHALLENGE_FORMAT,
  election: info.fingerprint,
  region: encrypted.region,
  credential: encrypted.credential,
  ballot: encrypted.ballot,
  tracking_code: encrypted.trackingCode,
  choices,
  selections: encrypted.selections,
  nonces: encrypted.noncesJson,
});

/** Check a challenge against the referendum: throws unless the ballot encrypts the choices. */
export function checkChallenge(info, data) {
  const format = isDeniable(info) ? DENIABLE_CHALLENGE_FORMAT : CHALLENGE_FORMAT;
  const members = isDeniable(info) ? DENIABLE_CHALLENGE_MEMBERS : CHALLENGE_MEMBERS;
  if (!data || data.format !== format) throw new Error(`expected format ${format}`);
  const extra = Object.keys(data).filter((k) => !members.includes(k));
  if (extra.length) throw new Error(`challenge.${extra[0]}: not a member of a challenge (a challenged ballot is never signed)`);
  const missing = members.filter((k) => !(k in data));
  if (missing.length) throw new Error(`challenge.${missing[0]}: missing`);
  if (data.election !== info.fingerprint) throw new Error('the challenge is for another referendum');
  if (!info.manifest.regions.some((r) => r.id === data.region)) throw new Error('challenge.region: not a region of the referendum');
  const style = new Set((info.ballot_styles?.[data.region] ?? info.question_shapes.map((_, i) => i)).map((i) => info.manifest.questions[i].id));
  if (!data.choices || typeof data.choices !== 'object') throw new Error('challenge.choices: an object');
  const offBallot = Object.keys(data.choices).filter((q) => !style.has(q));
  if (offBallot.length) throw new Error(`challenge.choices: question ${offBallot[0]} is not on the ballot of ${data.region}`);
  const ctx = contextFromReferendum(info, data.region);
  const selections = selectionsFromChoices(info, data.choices, data.region);
  if (JSON.stringify(selections) !== JSON.stringify(data.selections)) throw new Error('the choices are not the selections');
  const binding = isDeniable(info)
    ? checkDeniableVoter(authorityOf(info), data.credential, data.voter, data.voter_nonce)
    : fromHex(data.credential);
  auditBallot(ctx, data.ballot, selections, noncesFromJson(data.nonces), binding);
  if (trackingCode(data.ballot) !== data.tracking_code) throw new Error('the tracking code is not the ballot\'s');
  return data.choices;
}
