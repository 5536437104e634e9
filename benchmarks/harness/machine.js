'use strict';
// Facts about the machine a run happened on, all read at run time.
const fs = require('fs');
const os = require('os');
const { sh } = require('./topology');

function first(re, text) { const m = text.match(re); return m ? m[1].trim() : null; }

function facts() {
  let cpuinfo = '';
  try { cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8'); } catch { /* none */ }
  let distro = null;
  try { distro = first(/^PRETTY_NAME="?([^"\n]*)/m, fs.readFileSync('/etc/os-release', 'utf8')); } catch { /* none */ }
  const sockperf = first(/version #?([\d.]+)/, sh('sockperf', ['--version']).out);
  const wrk = first(/^wrk ([^\s]+)/m, sh('wrk', ['--version']).out);
  return {
    cpu_model: first(/^model name\s*:\s*(.*)$/m, cpuinfo) || os.cpus()[0]?.model || null,
    cores: os.cpus().length,
    kernel: os.release(),
    os: distro,
    node: process.version,
    memory_gb: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
    loadavg_start: os.loadavg().map((x) => Math.round(x * 100) / 100),
    tools: { sockperf, wrk },
  };
}

module.exports = { facts };
