// The install script's answer for the run time: build/ringsock-install.json says why no addon
// was built, or that the one built from source has no AF_XDP. No file: the install found a
// prebuilt that loads, or npm's install scripts did not run (--ignore-scripts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NeedName } from './needs';

export interface InstallRecord {
  /** build: nothing was built; xdp: an io_uring-only addon was built. */
  failed: 'build' | 'xdp';
  /** What was missing on the machine (empty when the compiler itself failed). */
  missing: NeedName[];
  /** The end of node-gyp's output when it ran and failed. */
  log?: string;
}

export function recordPath(root: string): string {
  return path.join(root, 'build', 'ringsock-install.json');
}

export function readRecord(root: string): InstallRecord | null {
  try {
    return JSON.parse(fs.readFileSync(recordPath(root), 'utf8')) as InstallRecord;
  } catch {
    return null;
  }
}

export function writeRecord(root: string, record: InstallRecord | null): void {
  const file = recordPath(root);
  if (!record) {
    fs.rmSync(file, { force: true });
    return;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(record, null, 2) + '\n');
}
