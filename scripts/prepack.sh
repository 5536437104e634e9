#!/usr/bin/env bash
# npm pack / npm publish (package.json "prepack"): builds everything the package ships from
# the tree: dist/ (without source maps: the package ships no TypeScript sources), the BPF
# object, and the prebuilt addons (scripts/prebuild.sh; skipped when up to date).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist
npx --no-install tsc -p tsconfig.json --sourceMap false
make -s -C bpf
bash scripts/prebuild.sh
