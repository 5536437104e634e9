// What this machine lacks for building the addon from source: tools on PATH and headers the
// compiler itself can find (so CPATH, a sysroot or a non-Debian layout count as they will).
import { spawnSync } from 'node:child_process';
import type { NeedName } from './needs';

function runs(cmd: string, args: string[], input?: string): boolean {
  const r = spawnSync(cmd, args, { input, stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'ignore'], timeout: 30_000 });
  return r.status === 0;
}

function hasHeaders(cxx: string, headers: string[]): boolean {
  return runs(cxx, ['-E', '-x', 'c++', '-o', '/dev/null', '-'], headers.map((h) => `#include <${h}>\n`).join(''));
}

export interface Missing {
  /** Without these nothing can be built. */
  essential: NeedName[];
  /** Without these the build is io_uring only. */
  xdp: boolean;
}

export function probeTools(env: NodeJS.ProcessEnv = process.env): Missing {
  const cxx = env.CXX || 'c++';
  const essential: NeedName[] = [];
  const compiler = runs(cxx, ['--version']);
  if (!compiler) essential.push('compiler');
  if (!runs(env.MAKE || 'make', ['--version'])) essential.push('make');
  if (!runs(env.PYTHON || 'python3', ['--version'])) essential.push('python');
  // Without a compiler no header can be looked for: name liburing's too, it is needed anyway.
  if (!compiler || !hasHeaders(cxx, ['liburing.h'])) essential.push('uring');
  const xdp = !compiler || !hasHeaders(cxx, ['xdp/xsk.h', 'bpf/libbpf.h', 'libelf.h', 'zlib.h']);
  return { essential, xdp };
}
