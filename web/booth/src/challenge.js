// Benaloh challenges: the data the booth reveals, and checking it (on the page).
import { fromHex } from './bytes.js';
import { auditBallot, noncesFromJson, trackingCode } from './ballot.js';
import { contextFromReferendum, selectionsFromChoices } from './submission.js';

export const CHALLENGE_FORMAT = 'referendum-challenge/1';

/**
 * What a challenge reveals: the (never cast) submission, the selections and every nonce; the
 * same file as `referendum vote --challenge` writes, so `referendum check-challenge` reads it.
 */
export const challengeData = (info, made, choices) => ({
  format: CHALLENGE_FORMAT,
  election: info.fingerprint,
  choices,
  selections: made.selections,
  nonces: made.noncesJson,
  submission: made.submission,
  tracking_code: made.trackingCode,
});

/** Check a challenge against the referendum: throws unless the ballot encrypts the choices. */
export function checkChallenge(info, data) {
  if (!data || data.format !== CHALLENGE_FORMAT) throw new Error(`expected format ${CHALLENGE_FORMAT}`);
  if (data.election !== info.fingerprint) throw new Error('the challenge is for another referendum');
  const { region } = data.submission;
  const ctx = contextFromReferendum(info, region);
  const selections = selectionsFromChoices(info, data.choices, region);
  if (JSON.stringify(selections) !== JSON.stringify(data.selections)) throw new Error('the choices are not the selections');
  const { ballot, credential } = data.submission;
  auditBallot(ctx, ballot, selections, noncesFromJson(data.nonces), fromHex(credential));
  if (trackingCode(ballot) !== data.tracking_code) throw new Error('the tracking code is not the ballot\'s');
  return data.choices;
}
