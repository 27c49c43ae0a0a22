// Benaloh challenges: the data the booth reveals, and checking it (on the page).
import { fromHex } from './bytes.js';
import { auditBallot, noncesFromJson, trackingCode } from './ballot.js';
import { contextFromReferendum, selectionsFromChoices } from './submission.js';

export const CHALLENGE_FORMAT = 'referendum-challenge/1';

/** What a challenge reveals (format of referendum.web.challenge). */
export const challengeData = (info, made, choices) => ({
  format: CHALLENGE_FORMAT,
  election: info.fingerprint,
  credential: made.submission.credential,
  region: made.submission.region,
  choices,
  ballot: made.submission.ballot,
  nonces: made.noncesJson,
  tracking_code: made.trackingCode,
});

/** Check a challenge against the referendum: throws unless the ballot encrypts the choices. */
export function checkChallenge(info, data) {
  if (!data || data.format !== CHALLENGE_FORMAT) throw new Error(`expected format ${CHALLENGE_FORMAT}`);
  if (data.election !== info.fingerprint) throw new Error('the challenge is for another referendum');
  const ctx = contextFromReferendum(info);
  const selections = selectionsFromChoices(info.manifest, data.choices);
  auditBallot(ctx, data.ballot, selections, noncesFromJson(data.nonces), fromHex(data.credential));
  if (trackingCode(data.ballot) !== data.tracking_code) throw new Error('the tracking code is not the ballot\'s');
  return data.choices;
}
