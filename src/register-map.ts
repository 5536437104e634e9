// Which module specifiers the register hook replaces, and with which file of dist/.
import path = require('node:path');

export const REPLACED: Record<string, string> = {
  dgram: 'dgram.js',
  'node:dgram': 'dgram.js',
  // net and node:net join once src/net/net.ts exists.
};

const ownDir = path.resolve(__dirname, '..');

/** True for files of this package, which must see Node's real modules. */
export function ownFile(filename: string | null | undefined): boolean {
  return !!filename && filename.startsWith(ownDir + path.sep) && !filename.includes(`${path.sep}node_modules${path.sep}`);
}
