// Which module specifiers the register hook replaces, and with which file of dist/.
import path = require('node:path');

export const REPLACED: Record<string, string> = {
  dgram: 'dgram.js',
  'node:dgram': 'dgram.js',
  net: 'net.js',
  'node:net': 'net.js',
};

// Only the compiled package (dist/): tests, examples and apps living next to it are users.
const ownDir = __dirname;

/** True for files of this package, which must see Node's real modules. */
export function ownFile(filename: string | null | undefined): boolean {
  return !!filename && filename.startsWith(ownDir + path.sep);
}
