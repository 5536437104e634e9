// ringsock/register: unchanged app code gets ringsock's modules through require, node: prefixes,
// ESM default and named imports, and child processes started with the same NODE_OPTIONS.
const test = require('ava');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');

const root = path.join(__dirname, '..');
const register = path.join(root, 'dist', 'register.js');
const ownDgram = path.join(root, 'dist', 'dgram.js');

function node(args, extraEnv = {}) {
  return execFileSync(process.execPath, args, {
    cwd: root, encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...extraEnv },
  }).trim();
}

// What the app sees must be the very object ringsock/dgram exports on this backend.
const sameAsOwn = `const own = require(${JSON.stringify(ownDgram)});`;

test('require("dgram") and require("node:dgram") return ringsock/dgram', (t) => {
  const out = node(['-r', register, '-e',
    `${sameAsOwn} console.log(require('dgram') === own, require('node:dgram') === own)`]);
  t.is(out, 'true true');
});

test('the chosen backend is the one the environment asks for', (t) => {
  const out = node(['-r', register, '-e', "console.log(require(process.argv[1]).backend().name)", path.join(root, 'dist', 'index.js')]);
  t.is(out, process.env.RINGSOCK_BACKEND || 'uring');
});

test('ESM default and named imports of node:dgram and dgram return ringsock/dgram', (t) => {
  const script = [
    "import dgram from 'node:dgram';",
    "import { createSocket, Socket } from 'dgram';",
    "import { createRequire } from 'node:module';",
    `const own = createRequire(import.meta.url)(${JSON.stringify(ownDgram)});`,
    'console.log(dgram === own, createSocket === own.createSocket, Socket === own.Socket);',
  ].join('\n');
  const out = node(['-r', register, '--input-type=module', '-e', script]);
  t.is(out, 'true true true');
});

test('an ESM app really sends and receives through the registered module', (t) => {
  const script = [
    "import { createSocket } from 'node:dgram';",
    "const a = createSocket('udp4'); const b = createSocket('udp4');",
    "a.on('message', (m) => { console.log(String(m)); a.close(); b.close(); });",
    "a.bind(0, '127.0.0.1', () => b.send('through ringsock', a.address().port, '127.0.0.1'));",
  ].join('\n');
  t.is(node(['-r', register, '--input-type=module', '-e', script]), 'through ringsock');
});

test('child processes started with the same NODE_OPTIONS get ringsock too', (t) => {
  const child = `${sameAsOwn} console.log(require('dgram') === own)`;
  const parent = `console.log(require('node:child_process').execFileSync(process.execPath, ['-e', ${JSON.stringify(child)}], {encoding: 'utf8'}).trim())`;
  const out = node(['-e', parent], { NODE_OPTIONS: `-r ${register}` });
  t.is(out, 'true');
});

test('a forked child of `node -r ringsock/register` inherits the hook', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringsock-fork-'));
  const child = path.join(dir, 'child.js');
  const parent = path.join(dir, 'parent.js');
  fs.writeFileSync(child, `${sameAsOwn} process.send(require('dgram') === own); process.disconnect();`);
  fs.writeFileSync(parent, `require('node:child_process').fork(${JSON.stringify(child)}).on('message', (m) => console.log(m));`);
  try {
    t.is(node(['-r', register, parent]), 'true');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('modules other than dgram and net are left alone', (t) => {
  const out = node(['-r', register, '-e', "console.log(require('http') === require('node:http'), typeof require('fs').readFileSync)"]);
  t.is(out, 'true function');
});
