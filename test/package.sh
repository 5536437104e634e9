#!/usr/bin/env bash
# The npm package as users get it (issue 17), loopback only, no network namespaces:
# packs the tree (prepack builds dist/, the BPF object and the prebuilts), checks what the
# tarball holds, then installs it into fresh projects (test/package/user.sh) in mount
# namespaces where no compiler is on PATH and the liburing/libxdp/libbpf headers are hidden:
# the prebuilt, --ignore-scripts, a failing source build, off Linux; then an io_uring-only
# source build with the compiler back but the AF_XDP headers hidden. Needs root (unshare -m).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ringsock-package.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
tally() { passed=$((passed + $(grep -c '^  ok: ' "$1"))); failed=$((failed + $(grep -c '^  FAIL: ' "$1"))); }

echo "== npm pack"
tgz=$(npm pack --pack-destination "$tmp" --loglevel=error 2>"$tmp/pack.err" | tail -1)
if [ ! -f "$tmp/$tgz" ]; then cat "$tmp/pack.err"; echo "1 test failed"; exit 1; fi
tgz=$tmp/$tgz

# What the package holds: runtime files only; a source map only beside its source.
files=$(npm pack --dry-run --json --ignore-scripts 2>/dev/null | node -e \
  "for (const f of JSON.parse(require('fs').readFileSync(0, 'utf8'))[0].files) console.log(f.path)")
{
  tests=$(grep -E '(^|/)(test|tests|__tests__|fuzz)/|\.test\.|_test\.' <<<"$files")
  [ -z "$tests" ] && echo "  ok: npm pack --dry-run lists no test files" || echo "  FAIL: test files in the package: $tests"
  orphans=$(grep '\.map$' <<<"$files" | while read -r m; do
    node -e "const m=require(process.argv[1]); const d=require('path').dirname(process.argv[1]);
      for (const s of m.sources) if (!require('fs').existsSync(require('path').resolve(d, m.sourceRoot || '', s))) console.log(process.argv[1])" "$root/$m"
  done)
  [ -z "$orphans" ] && echo "  ok: no source map without its source" || echo "  FAIL: source maps without sources: $orphans"
  for f in prebuilds/linux-x64/node.napi.glibc.node prebuilds/linux-arm64/node.napi.glibc.node bpf/steer.bpf.o dist/index.js \
    dist/metrics.js esm/metrics.mjs LICENSE CHANGELOG.md; do
    grep -qx "$f" <<<"$files" && echo "  ok: the package holds $f" || echo "  FAIL: the package lacks $f"
  done
  # What a clean clone would pack: every file is tracked in git or built by prepack from
  # tracked sources (dist/ from src/, the BPF object, the prebuilts).
  stray=$(while read -r f; do
    case $f in
      dist/*) src=src/${f#dist/}; src=${src%.d.ts}; src=${src%.js}.ts
        git ls-files --error-unmatch "$src" >/dev/null 2>&1 || echo "$f (no $src)" ;;
      prebuilds/*|bpf/steer.bpf.o) ;;
      *) git ls-files --error-unmatch "$f" >/dev/null 2>&1 || echo "$f" ;;
    esac
  done <<<"$files")
  [ -z "$stray" ] && echo "  ok: every packed file is tracked or built from tracked sources (as from a clean clone)" ||
    echo "  FAIL: packed files a clean clone would not have: $stray"
  # The README and the docs it ships link only to files the package holds.
  broken=$(for md in $(grep -E '\.md$' <<<"$files"); do
    grep -oE '\]\([^)#: ]+' "$root/$md" | cut -c3- | while read -r target; do
      rel=$(realpath -m --relative-to="$root" "$(dirname "$root/$md")/$target")
      grep -qx "$rel" <<<"$files" || echo "$md -> $target"
    done
  done)
  [ -z "$broken" ] && echo "  ok: every relative link in the shipped .md files points into the package" ||
    echo "  FAIL: links to files the package lacks: $broken"
} | tee "$tmp/contents.log"
tally "$tmp/contents.log"

# A PATH with node and npm but no cc, gcc, g++, clang or make.
bin=$tmp/bin; mkdir -p "$bin"
for t in node npm npx sh bash env ldd mount cat ls grep mkdir rm cp mv tar gzip dirname basename uname readlink; do
  ln -s "$(command -v "$t")" "$bin/$t"
done
empty=$tmp/empty; : >"$empty"
hide_uring="mount -t tmpfs tmpfs /usr/include/liburing && mount --bind $empty /usr/include/liburing.h"
hide_xdp="mount -t tmpfs tmpfs /usr/include/xdp && mount -t tmpfs tmpfs /usr/include/bpf"
# npm's cache, where the tarball's one dependency (node-addon-api) already is.
export npm_config_cache=${npm_config_cache:-$(npm config get cache)}

scenario() {
  local name=$1 hide=$2 path=$3
  echo "== package: $name"
  unshare -m --propagation private bash -c "$hide && exec env PATH=$path bash test/package/user.sh $name $tgz $tmp" \
    >"$tmp/$name.log" 2>&1
  cat "$tmp/$name.log"; tally "$tmp/$name.log"
  grep -q '^  ok: ' "$tmp/$name.log" || failed=$((failed + 1))
}
if PATH=$bin command -v cc gcc g++ c++ clang make >/dev/null; then
  echo "  FAIL: the sandbox PATH has a compiler"; failed=$((failed + 1))
fi
scenario prebuilt "$hide_uring && $hide_xdp" "$bin"
scenario ignore-scripts "$hide_uring && $hide_xdp" "$bin"
scenario build-fails "$hide_uring && $hide_xdp" "$bin"
scenario uring-only "$hide_xdp" "$PATH"

echo "$passed tests passed"
[ "$failed" = 0 ] || echo "$failed tests failed"
[ "$failed" = 0 ]
