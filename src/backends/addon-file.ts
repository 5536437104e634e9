// Which native addon to load, and the one sentence that says why none could be: the addon
// built from source on this machine (build/Release: `npm rebuild`, a contributor's build)
// first, then the package's prebuilt for this platform and CPU (node-gyp-build's layout).
import * as path from 'node:path';
import { NEEDS, describeFix, type NeedName } from '../install/needs';
import { readRecord } from '../install/record';

export function addonCandidates(root: string, platform: string = process.platform, arch: string = process.arch): string[] {
  return [
    path.join(root, 'build', 'Release', 'ringsock.node'),
    path.join(root, 'prebuilds', `${platform}-${arch}`, 'node.napi.glibc.node'),
  ];
}

/**
 * Why no addon runs here. `failures` are the candidates that exist but did not load.
 * The registry's warning adds that Node's own sockets are used.
 */
export function noAddonReason(root: string, failures: string[], platform: string = process.platform,
  arch: string = process.arch): string {
  if (platform !== 'linux') return `io_uring and AF_XDP are Linux's; this is ${platform}`;
  const loadErrors = failures.length ? ` (${failures.join('; ')})` : '';
  const head = `ringsock has no native addon that loads on ${platform}-${arch}${loadErrors}`;
  const record = readRecord(root);
  if (record?.failed === 'build') {
    if (record.missing.length) return `${head}, and building it failed: ${describeFix(record.missing)}`;
    return `${head}, and building it failed: ${record.log ?? 'node-gyp failed'}; fix that, then run \`npm rebuild ringsock\``;
  }
  const all: NeedName[] = ['compiler', 'make', 'python', 'uring'];
  return `${head}, and none was built (npm's install scripts did not run): run \`npm rebuild ringsock\`; it needs ` +
    `${all.map((n) => NEEDS[n].what).join(', ')} (Debian, Ubuntu: ${all.flatMap((n) => NEEDS[n].debian).join(' ')}; ` +
    `Fedora: ${all.flatMap((n) => NEEDS[n].fedora).join(' ')})`;
}

/** Why the loaded addon has no AF_XDP half (an io_uring-only build). */
export function xdpNotBuiltReason(root: string): string {
  const record = readRecord(root);
  const fix = record?.failed === 'xdp' && record.missing.length ? `: ${describeFix(record.missing)}` : '';
  return `not built: this ringsock addon was built from source for io_uring only${fix}`;
}
