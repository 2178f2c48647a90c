// The reference ISNCSCI classifier (npm isncsci 2.0.6, praxis, Apache-2.0) as a test oracle.
// Reads one praxis Exam object per line on stdin, writes one JSON line per exam on stdout:
// {"classification": {...}, "totals": {...}} or {"error": "..."} when the library throws.
// One process serves a whole test session; the output is flushed line by line.
'use strict';
const readline = require('readline');
const { ISNCSCI } = require('isncsci');

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  if (!line.trim()) return;
  let answer;
  try {
    const result = new ISNCSCI(JSON.parse(line));
    answer = { classification: result.classification, totals: result.totals };
  } catch (err) {
    answer = { error: String(err && err.message ? err.message : err) };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
});
