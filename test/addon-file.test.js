// Which addon file loads, and the one sentence of the warning when none does (src/backends/addon-file.ts).
const test = require('ava');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { addonCandidates, noAddonReason, xdpNotBuiltReason } = require('../dist/backends/addon-file.js');
const { writeRecord } = require('../dist/install/record.js');

function withRoot(fn) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ringsock-addon-'));
  try { return fn(root); } finally { fs.rmSync(root, { recursive: true, force: true }); }
}

test('a build from source comes before the prebuilt of this platform and CPU', (t) => {
  t.deepEqual(addonCandidates('/pkg', 'linux', 'arm64'),
    ['/pkg/build/Release/ringsock.node', '/pkg/prebuilds/linux-arm64/node.napi.glibc.node']);
});

test('off Linux the reason is the OS, with no fix to install', (t) => withRoot((root) => {
  t.is(noAddonReason(root, [], 'win32', 'x64'), "io_uring and AF_XDP are Linux's; this is win32");
}));

test('without an install record (--ignore-scripts) it says to run npm rebuild and what that needs', (t) => withRoot((root) => {
  const why = noAddonReason(root, [], 'linux', 'riscv64');
  t.regex(why, /no native addon that loads on linux-riscv64, and none was built \(npm's install scripts did not run\)/);
  t.regex(why, /npm rebuild ringsock/);
  t.regex(why, /Debian, Ubuntu: g\+\+ make python3 liburing-dev; Fedora: gcc-c\+\+ make python3 liburing-devel/);
}));

test('a prebuilt that exists but does not load is named with its error', (t) => withRoot((root) => {
  writeRecord(root, { failed: 'build', missing: ['compiler'] });
  const why = noAddonReason(root, ['prebuilds/linux-x64/node.napi.glibc.node failed to load: GLIBC_2.36 not found'], 'linux', 'x64');
  t.regex(why, /\(prebuilds\/linux-x64\/node\.napi\.glibc\.node failed to load: GLIBC_2\.36 not found\), and building it failed: missing a C\+\+ compiler: install g\+\+ \(Debian, Ubuntu\) or gcc-c\+\+ \(Fedora\)/);
}));

test('a compiler error is quoted from the build log', (t) => withRoot((root) => {
  writeRecord(root, { failed: 'build', missing: [], log: 'engine.cc:1: error: boom' });
  t.regex(noAddonReason(root, [], 'linux', 'x64'), /building it failed: engine\.cc:1: error: boom; fix that, then run `npm rebuild ringsock`/);
}));

test('an io_uring-only build names the AF_XDP headers it lacked', (t) => withRoot((root) => {
  t.is(xdpNotBuiltReason(root), 'not built: this ringsock addon was built from source for io_uring only');
  writeRecord(root, { failed: 'xdp', missing: ['xdp'] });
  t.regex(xdpNotBuiltReason(root), /io_uring only: missing the libxdp, libbpf, libelf and zlib headers: install libxdp-dev libbpf-dev libelf-dev zlib1g-dev \(Debian, Ubuntu\) or libxdp-devel libbpf-devel elfutils-libelf-devel zlib-devel \(Fedora\)/);
}));
