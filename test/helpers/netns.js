'use strict';
// The veth pair of scripts/netns.sh for a test file: up(TAG) in before, down(TAG) in after.always.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const script = path.join(__dirname, '..', '..', 'scripts', 'netns.sh');

/**
 * Creates rs<TAG>a (10.99.TAG.1, fd99::TAG:1) and rs<TAG>b (10.99.TAG.2, fd99::TAG:2);
 * opts.queues: rx/tx queues of both veth ends (default 1).
 */
function up(tag, opts = {}) {
  try {
    execFileSync('bash', [script, 'up', String(tag)], {
      stdio: ['ignore', 'pipe', 'pipe'], timeout: 20000,
      env: { ...process.env, RS_QUEUES: String(opts.queues || 1) },
    });
  } catch (err) {
    down(tag);
    throw new Error(`netns.sh up ${tag} failed: ${err.stderr || err.message}`);
  }
  return {
    a: { ns: `rs${tag}a`, dev: `rs${tag}a0`, ip4: `10.99.${tag}.1`, ip6: `fd99::${tag}:1` },
    b: { ns: `rs${tag}b`, dev: `rs${tag}b0`, ip4: `10.99.${tag}.2`, ip6: `fd99::${tag}:2` },
  };
}

function down(tag) {
  execFileSync('bash', [script, 'down', String(tag)], { stdio: 'ignore', timeout: 20000 });
}

module.exports = { up, down };
