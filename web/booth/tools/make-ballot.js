// Make a ballot submission with the booth's code, outside the browser (for the cross-language
// tests): reads {"info": <GET /api/referendum>, "region", "credential", "choices"} as JSON on
// standard input; writes {"submission", "tracking_code", "challenge"} on standard output.
import { readFileSync } from 'node:fs';
import { prepareBallot } from '../src/index.js';
import { challengeData } from '../src/challenge.js';

const request = JSON.parse(readFileSync(0, 'utf8'));
const made = prepareBallot({
  info: request.info,
  region: request.region,
  privateCredential: request.credential,
  choices: request.choices,
});
process.stdout.write(JSON.stringify({
  submission: made.submission,
  tracking_code: made.trackingCode,
  challenge: challengeData(request.info, made, request.choices),
}));
