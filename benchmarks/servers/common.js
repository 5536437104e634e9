'use strict';
// Shared bits of the benchmark servers: argument parsing, the READY line the harness waits
// for, a bounded lifetime (SIGTERM/SIGINT or --max-secs end the process), and the one body
// every HTTP server answers with (the http, https and h2 rows then compare the same bytes).
function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
function ready(what) {
  process.stdout.write(`READY ${what} pid=${process.pid}\n`);
}
/** onStop() may print a RESULT line; the process exits right after it. */
function lifetime(onStop) {
  let stopping = false;
  const stop = (why) => {
    if (stopping) return;
    stopping = true;
    try { if (onStop) onStop(why); } finally { process.exit(0); }
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const max = Number(arg('max-secs', '300'));
  setTimeout(() => stop('max-secs'), max * 1000).unref();
}
const HELLO = Buffer.from('Hello, world\n');
module.exports = { arg, ready, lifetime, HELLO };
