// npm's install step for ringsock (package.json "install"). It never fails the install: when no
// prebuilt addon loads here it builds one from source, io_uring only without the AF_XDP headers,
// and when that cannot be done it writes why (record.ts), for the one warning at run time after
// which the app runs on Node's own sockets.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { addonCandidates } from '../backends/addon-file';
import { describeFix, NEEDS } from './needs';
import { probeTools } from './probe-tools';
import { writeRecord } from './record';

const ROOT = path.resolve(__dirname, '..', '..');
const say = (line: string): void => console.log(`ringsock: ${line}`);

function prebuiltLoads(): boolean {
  const prebuilt = addonCandidates(ROOT)[1];
  try {
    require(prebuilt);
    return true;
  } catch {
    return false;
  }
}

// npm hands its own node-gyp to install scripts; a checkout has it in devDependencies.
function nodeGyp(): string {
  return process.env.npm_config_node_gyp || require.resolve('node-gyp/bin/node-gyp.js');
}

function build(xdp: boolean): { ok: boolean; log: string } {
  const args = [nodeGyp(), 'rebuild', `--ringsock_xdp=${xdp ? 1 : 0}`];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 30 * 60_000 });
  const log = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`;
  return { ok: r.status === 0, log: log.trim().split('\n').slice(-15).join('\n') };
}

function main(): void {
  writeRecord(ROOT, null);
  if (process.platform !== 'linux') {
    say(`no rings on ${process.platform}: the app will run on Node's own sockets`);
    return;
  }
  const fromSource = process.env.npm_config_build_from_source === 'true';
  if (!fromSource && prebuiltLoads()) return;
  const missing = probeTools();
  if (missing.essential.length) {
    writeRecord(ROOT, { failed: 'build', missing: missing.essential });
    say(`no prebuilt addon for ${process.platform}-${process.arch} and none can be built, ${describeFix(missing.essential)}`);
    return;
  }
  if (missing.xdp) say(`building for io_uring only, without AF_XDP: ${NEEDS.xdp.what} are missing`);
  const result = build(!missing.xdp);
  if (!result.ok) {
    writeRecord(ROOT, { failed: 'build', missing: [], log: result.log });
    say(`building the addon failed; the app will run on Node's own sockets:\n${result.log}`);
    return;
  }
  if (missing.xdp) writeRecord(ROOT, { failed: 'xdp', missing: ['xdp'] });
}

try {
  main();
} catch (err) {
  // Whatever happens here, the package stays installed: its JS runs on Node's sockets.
  say(`install step failed (${(err as Error).message}); the app will run on Node's own sockets`);
}
