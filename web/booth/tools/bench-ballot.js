// CPU time of the booth's ballot in Node (the same code as the bundle): a visible ballot
// (encrypt, then sign naming the ballot it replaces) against a deniable one (encrypt with the
// credential encrypted for the tallying authority, then the credential proof and the
// signature), for the ballot styles of vectors/deniable_ballot.json.
// Run: node tools/bench-ballot.js [ROUNDS]   (from web/booth; prints JSON)
import { readFileSync } from 'node:fs';
import * as c from '../src/index.js';

const rounds = Number(process.argv[2] ?? 40);
const vectors = JSON.parse(readFileSync(new URL('../../../vectors/deniable_ballot.json', import.meta.url), 'utf8'));
const cpuMs = (fn) => {
  const start = process.cpuUsage();
  for (let i = 0; i < rounds; i++) fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / rounds;
};
const out = [];
for (const v of vectors.cases.filter((x) => x.valid)) {
  const ctx = { fingerprint: c.fromHex(v.fingerprint), publicKey: c.pointFromHex(v.public_key), questions: v.questions };
  const authority = c.pointFromHex(v.authority);
  const key = c.deriveCredential(v.election_id, v.private);
  const random = c.systemRandomScalar;
  const visible = cpuMs(() => {
    const ballot = c.encryptBallotWithNonces(ctx, v.selections, c.randomBallotNonces(ctx, random), key.public.toBytes());
    const message = c.ballotSigningMessage(ctx.fingerprint, key.public.toBytes(), v.region, ballot, null);
    c.signWithNonce(key.secret, key.public, message, random());
  });
  const deniable = cpuMs(() => {
    const encrypted = c.encryptDeniableWithNonces(ctx, v.region, authority, key.public, v.selections, c.randomBallotNonces(ctx, random), random());
    c.deniableSubmissionWithNonces(v.fingerprint, authority, key, encrypted, [random(), random()], random());
  });
  const options = v.questions.map((q) => q.options).join('+');
  out.push({ options, rounds, visible_cpu_ms: +visible.toFixed(2), deniable_cpu_ms: +deniable.toFixed(2), ratio: +(deniable / visible).toFixed(3) });
}
process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
