// Make a ballot submission with the booth's code, outside the browser (for the cross-language
// tests): reads {"info": <GET /api/referendum>, "region", "credential", "choices", "replaces"}
// as JSON on standard input; writes {"submission", "tracking_code", "challenge"} on standard output, where
// the challenge is of another, fresh and unsigned encryption of the same choices (as the booth
// does: a challenged ballot is never cast).
import { readFileSync } from 'node:fs';
import { deriveCredential, encryptChoices, prepareBallot } from '../src/index.js';
import { challengeData } from '../src/challenge.js';

const request = JSON.parse(readFileSync(0, 'utf8'));
const { info, region, choices } = request;
const challenged = encryptChoices({ info, region, credential: deriveCredential(info.manifest.id, request.credential).public, choices });
const made = prepareBallot({ info, region, privateCredential: request.credential, choices, replaces: request.replaces ?? null });
process.stdout.write(JSON.stringify({
  submission: made.submission,
  tracking_code: made.trackingCode,
  challenge: challengeData(info, challenged, choices),
}));
