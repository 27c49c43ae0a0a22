// Timing of the booth's log checks inside a browser (bundled by benchmarks/log_bench.py):
// timeInclusion(proof, rounds) checks one inclusion proof `rounds` times and returns the
// milliseconds per check (the median of five runs) with the proof's length.
import { fromHex } from '../src/bytes.js';
import { verifyInclusion } from '../src/log.js';

export function timeInclusion(proof, rounds) {
  const leaf = fromHex(proof.leaf);
  const root = fromHex(proof.root);
  const runs = [];
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    for (let i = 0; i < rounds; i++) {
      // as the booth does: decode the served hex, then check
      verifyInclusion(proof.index, proof.size, leaf, proof.hashes.map((h) => fromHex(h)), root);
    }
    runs.push((performance.now() - started) / rounds);
  }
  runs.sort((a, b) => a - b);
  return { ms_per_check: runs[2], hashes: proof.hashes.length, rounds };
}
