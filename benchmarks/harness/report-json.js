'use strict';
// benchmarks/results/latest.json (and a timestamped copy).
const fs = require('fs');
const path = require('path');

function write(dir, report) {
  fs.mkdirSync(dir, { recursive: true });
  const text = JSON.stringify(report, null, 2) + '\n';
  const file = path.join(dir, 'latest.json');
  fs.writeFileSync(file + '.tmp', text);
  fs.renameSync(file + '.tmp', file);
  return file;
}

module.exports = { write };
