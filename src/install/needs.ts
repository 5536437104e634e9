// What building the addon from source needs, in the words and package names a user acts on.
// Shared by the install script (dist/install/main.js) and the run-time warning
// (src/backends/addon-file.ts), so both name the same fix.

export interface Need {
  what: string;
  debian: string[];
  fedora: string[];
}

export const NEEDS = {
  compiler: { what: 'a C++ compiler', debian: ['g++'], fedora: ['gcc-c++'] },
  make: { what: 'make', debian: ['make'], fedora: ['make'] },
  python: { what: 'python3 (for node-gyp)', debian: ['python3'], fedora: ['python3'] },
  uring: { what: 'the liburing headers', debian: ['liburing-dev'], fedora: ['liburing-devel'] },
  xdp: {
    what: 'the libxdp, libbpf, libelf and zlib headers',
    debian: ['libxdp-dev', 'libbpf-dev', 'libelf-dev', 'zlib1g-dev'],
    fedora: ['libxdp-devel', 'libbpf-devel', 'elfutils-libelf-devel', 'zlib-devel'],
  },
} satisfies Record<string, Need>;

export type NeedName = keyof typeof NEEDS;

/** "a C++ compiler and the liburing headers: install g++ liburing-dev (Debian, Ubuntu) or ..." */
export function describeFix(names: NeedName[]): string {
  const needs = names.map((n) => NEEDS[n]);
  const what = needs.map((n) => n.what);
  const list = what.length > 1 ? `${what.slice(0, -1).join(', ')} and ${what[what.length - 1]}` : what[0];
  const debian = needs.flatMap((n) => n.debian).join(' ');
  const fedora = needs.flatMap((n) => n.fedora).join(' ');
  return `missing ${list}: install ${debian} (Debian, Ubuntu) or ${fedora} (Fedora), then run \`npm rebuild ringsock\``;
}
