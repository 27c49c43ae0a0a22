// Run the booth's recomputation checks outside the browser (for the cross-language tests):
// reads {"info": <GET /api/referendum>, "ceremony": <GET /api/ceremony>} as JSON on standard
// input; writes {"ok": true, "fingerprint", "election_key"} or {"ok": false, "code", "detail"}.
import { readFileSync } from 'node:fs';
import { ServedValueError, checkServedValues } from '../src/recompute.js';

const request = JSON.parse(readFileSync(0, 'utf8'));
let out;
try {
  const checked = checkServedValues(request.info, request.ceremony);
  out = { ok: true, fingerprint: checked.fingerprint, election_key: checked.election_key };
} catch (e) {
  if (!(e instanceof ServedValueError)) throw e;
  out = { ok: false, code: e.code, detail: e.detail };
}
process.stdout.write(JSON.stringify(out));
