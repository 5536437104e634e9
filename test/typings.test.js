// ringsock/dgram and ringsock/net ship the typings users get from node:dgram and node:net.
const test = require('ava');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');

test('the .d.ts of ringsock/dgram and ringsock/net are node:dgram\'s and node:net\'s', (t) => {
  const tsc = require.resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'test', 'types', 'tsconfig.json')], { encoding: 'utf8' });
  t.is(r.status, 0, r.stdout + r.stderr);
});

// Every condition of the exports map (import / default, nested) ends in a file that exists.
function targets(entry) {
  if (typeof entry === 'string') return [entry];
  return Object.values(entry).flatMap(targets);
}

test('package.json exports point at built files with typings', (t) => {
  const pkg = require('../package.json');
  for (const entry of ['.', './dgram', './net', './register', './metrics']) {
    const conditions = JSON.stringify(pkg.exports[entry]);
    t.true(conditions.includes('"types"'), `${entry} has types`);
    for (const file of targets(pkg.exports[entry])) t.true(require('node:fs').existsSync(path.join(root, file)), file);
  }
  for (const entry of ['./dgram', './net', './metrics']) t.truthy(pkg.exports[entry].import, `${entry} has an import condition`);
});
