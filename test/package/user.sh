#!/usr/bin/env bash
# What a user does with the packed tarball, one scenario per call (test/package.sh runs each in a
# mount namespace with the compiler or the AF_XDP headers hidden):
#   user.sh SCENARIO TARBALL WORKDIR
# Prints "ok: ..." / "FAIL: ..." lines; exits non-zero if any check failed.
set -uo pipefail
scenario=$1 tgz=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
failed=0
ok() { echo "  ok: $*"; }
bad() { echo "  FAIL: $*"; failed=1; }
expect() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

# A fresh project with the tarball installed (npm's own flags passed through).
new_app() {
  app=$work/$scenario
  mkdir -p "$app" && cp "$here/app.mts" "$here/app-cjs.cts" "$here/first-line.mjs" "$here/tsconfig.json" "$app/"
  printf '{ "name": "app", "private": true, "type": "module" }\n' >"$app/package.json"
  (cd "$app" && npm install --prefer-offline --no-audit --no-fund --loglevel=error "$@" "$tgz") >"$app/install.log" 2>&1
  expect "npm install $* succeeds" test $? = 0 || cat "$app/install.log"
}

# Hides the package's prebuilt addons, as on a platform none fits, then runs npm's install step.
rebuild_without_prebuilds() {
  mount -t tmpfs tmpfs "$app/node_modules/ringsock/prebuilds"
  (cd "$app" && npm rebuild ringsock --foreground-scripts --loglevel=error) >"$app/rebuild.log" 2>&1
  expect "npm rebuild ringsock succeeds" test $? = 0 || cat "$app/rebuild.log"
}

# Runs the compiled app; $1: expected backend, $2: expected warning (a regex) or '' for none.
run_app() {
  local want=$1 warning=$2; shift 2
  local out err warnings
  out=$(cd "$app" && env "$@" node out/app.mjs 2>"$app/stderr") || bad "the app exits 0 ($(cat "$app/stderr"))"
  err=$(cat "$app/stderr")
  expect "UDP and TCP echo on $want ($*)" test "$out" = "{\"backend\":\"$want\",\"udp\":\"udp ok\",\"tcp\":\"tcp ok\",\"sameModule\":true}" ||
    echo "    got: $out $err"
  warnings=$(grep -c 'RINGSOCK_FALLBACK' <<<"$err")
  if [ -z "$warning" ]; then
    expect "no warning" test "$warnings" = 0 || echo "    $err"
  else
    expect "one warning" test "$warnings" = 1 || echo "    $err"
    expect "the warning says /$warning/" grep -qE "$warning" <<<"$err" || echo "    $err"
  fi
}

compile_app() {
  (cd "$app" && node "$root/node_modules/typescript/bin/tsc" -p . --typeRoots "$root/node_modules/@types") >"$app/tsc.log" 2>&1
  expect "a typed ESM app with named imports and namespace types compiles (tsc, nodenext)" test $? = 0 || cat "$app/tsc.log"
  expect "its CommonJS twin runs" test "$(cd "$app" && node out/app-cjs.cjs 2>&1)" = 'cjs types ok'
}

# ringsock/metrics: without prom-client one error naming the fix; with it (the optional peer,
# from npm's cache), a typed ESM import compiles and a scrape lists a bound socket.
check_metrics() {
  local out
  out=$(cd "$app" && node -e "try { require('ringsock/metrics') } catch (e) { console.log(e.message) }" 2>&1)
  expect "require('ringsock/metrics') without prom-client names the fix" \
    test "$out" = 'ringsock/metrics needs prom-client, which is not installed: npm install prom-client' || echo "    got: $out"
  (cd "$app" && npm install --prefer-offline --no-audit --no-fund --loglevel=error prom-client) >"$app/prom.log" 2>&1
  expect "npm install prom-client (the optional peer dependency)" test $? = 0 || cat "$app/prom.log"
  cp "$here/metrics-app.mts" "$app/"
  (cd "$app" && node "$root/node_modules/typescript/bin/tsc" --module nodenext --moduleResolution nodenext --target ES2022 \
    --strict --types node --typeRoots "$root/node_modules/@types" --outDir out metrics-app.mts) >"$app/tsc-metrics.log" 2>&1
  expect "an ESM app importing ringsock/metrics compiles (tsc, nodenext)" test $? = 0 || cat "$app/tsc-metrics.log"
  out=$(cd "$app" && node out/metrics-app.mjs 2>&1)
  expect "and its scrape lists its bound UDP socket on uring" test "$out" = 'scraped' || echo "    got: $out"
}

case $scenario in
  prebuilt)  # the default install, no compiler and no -dev headers visible
    new_app
    compile_app
    run_app uring ''
    addon=$(ls "$app"/node_modules/ringsock/prebuilds/linux-*/node.napi.glibc.node | grep "linux-$(node -p process.arch)/")
    libs=$(ldd "$addon")
    expect "ldd of the prebuilt lists no liburing/libxdp/libbpf/libelf/libz" \
      bash -c '! grep -qE "liburing|libxdp|libbpf|libelf|libz" <<<"$0"' "$libs" || echo "$libs"
    # The register hook from NODE_OPTIONS and from --import: node:dgram is ringsock's.
    for flag in '-r ringsock/register' '--import ringsock/register'; do
      same=$(cd "$app" && node $flag --input-type=module -e \
        "import d from 'node:dgram'; import own from 'ringsock/dgram'; import { backend } from 'ringsock'; console.log(d === own, backend().name)" 2>&1)
      expect "node $flag: node:dgram is ringsock's, on uring" test "$same" = 'true uring' || echo "    got: $same"
    done
    same=$(cd "$app" && node first-line.mjs 2>&1)
    expect "a first-line import 'ringsock/register' leaves that file's static imports alone, not later ones" \
      test "$same" = 'false true' || echo "    got: $same"
    # Off Linux: the same app on another OS (process.platform faked before ringsock loads).
    run_app node "io_uring and AF_XDP are Linux's; this is darwin.*Node's own sockets" \
      NODE_OPTIONS="-r $here/fake-platform.cjs" RINGSOCK_FAKE_PLATFORM=darwin
    check_metrics
    ;;
  ignore-scripts)
    new_app --ignore-scripts
    compile_app
    run_app uring ''
    ;;
  build-fails)  # no prebuilt fits, no compiler, no headers: the build fails, the install does not
    new_app --ignore-scripts
    compile_app
    rebuild_without_prebuilds
    grep -q 'none can be built' "$app/rebuild.log" && ok "the install step says why" || bad "the install step says why: $(cat "$app/rebuild.log")"
    fix="building it failed: missing a C\+\+ compiler.*liburing-dev.*liburing-devel.*npm rebuild ringsock.*Node's own sockets"
    run_app node "$fix"
    run_app node "$fix" NODE_OPTIONS='-r ringsock/register'
    run_app node "$fix" NODE_OPTIONS='--import ringsock/register'
    ;;
  uring-only)  # a compiler and liburing, no AF_XDP headers: an io_uring-only build
    new_app --ignore-scripts
    compile_app
    rebuild_without_prebuilds
    run_app uring ''
    run_app uring 'using the uring backend instead of xdp: xdp: not built: .*io_uring only.*libxdp-dev.*libxdp-devel' KERNEL_BYPASS=1
    ;;
  *) echo "user.sh: unknown scenario $scenario" >&2; exit 2 ;;
esac
exit $failed
