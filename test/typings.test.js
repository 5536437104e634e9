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

test('package.json exports point at built files with typings', (t) => {
  const pkg = require('../package.json');
  for (const entry of ['.', './dgram', './net', './register']) {
    const { types, default: main } = pkg.exports[entry];
    t.true(require('node:fs').existsSync(path.join(root, types)), types);
    t.true(require('node:fs').existsSync(path.join(root, main)), main);
  }
});
