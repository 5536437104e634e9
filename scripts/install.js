// npm's install step (package.json "install"): the compiled dist/install/main.js, which never
// fails the install. In a checkout before its first build there is no dist/ yet, and
// scripts/setup.sh builds the addon itself.
const path = require('node:path');
const main = path.join(__dirname, '..', 'dist', 'install', 'main.js');
if (require('node:fs').existsSync(main)) require(main);
