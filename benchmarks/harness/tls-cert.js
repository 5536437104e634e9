'use strict';
// The self-signed certificate of the https row, made once per run into the run's temporary
// servers directory (removed with it): no key file lives in the repository. wrk does not
// verify certificates, so CN=localhost serves the veth address too.
const fs = require('fs');
const path = require('path');
const { sh } = require('./topology');

/** Makes dir/tls/{key,cert}.pem; returns their paths or throws with openssl's words. */
function make(dir) {
  const out = path.join(dir, 'tls');
  fs.mkdirSync(out, { recursive: true, mode: 0o700 });
  const key = path.join(out, 'key.pem'), cert = path.join(out, 'cert.pem');
  const r = sh('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '2', '-keyout', key, '-out', cert]);
  if (r.code !== 0 || !fs.existsSync(key) || !fs.existsSync(cert)) {
    throw new Error(`openssl req -x509 failed: ${r.error ? r.error.message : r.out.trim().split('\n').slice(-2).join(' ')}`);
  }
  return { key, cert };
}

module.exports = { make };
