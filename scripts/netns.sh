#!/usr/bin/env bash
# The project's test topology (DESIGN.md decision 7): two network namespaces joined by a veth pair.
#   netns.sh up   [TAG]  -> ns rs<TAG>a (veth rs<TAG>a0, 10.99.<N>.1, fd99::<N>:1)
#                           ns rs<TAG>b (veth rs<TAG>b0, 10.99.<N>.2, fd99::<N>:2)
#   netns.sh down [TAG]  -> removes both (and any XDP program with them)
#   netns.sh check-clean -> fails if any rs* namespace is left
# TAG is a small number (default 1) so several topologies can coexist; addresses stay in
# 10.99.0.0/16 and fd99::/64 on these veths only.
set -euo pipefail
cmd=${1:-}; tag=${2:-1}
case "$tag" in ''|*[!0-9]*) echo "netns.sh: TAG must be a number" >&2; exit 2;; esac
A=rs${tag}a; B=rs${tag}b
case "$cmd" in
  up)
    ip netns del "$A" 2>/dev/null || true; ip netns del "$B" 2>/dev/null || true
    ip netns add "$A"; ip netns add "$B"
    for ns in "$A" "$B"; do
      ip -n "$ns" link set lo up
      # Duplicate address detection would hold IPv6 addresses back for a second or more
      # (the link-local fe80:: one too): off before the veth exists, which copies "default".
      ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    done
    # RS_QUEUES=N: N rx/tx queues on both ends (the xdp tests' queue registry), default 1.
    q=${RS_QUEUES:-1}
    case "$q" in ''|*[!0-9]*) echo "netns.sh: RS_QUEUES must be a number" >&2; exit 2;; esac
    ip link add "${A}0" numtxqueues "$q" numrxqueues "$q" netns "$A" type veth \
      peer name "${B}0" numtxqueues "$q" numrxqueues "$q" netns "$B"
    ip -n "$A" addr add "10.99.$tag.1/24" dev "${A}0"
    ip -n "$B" addr add "10.99.$tag.2/24" dev "${B}0"
    ip -n "$A" addr add "fd99::$tag:1/64" dev "${A}0" nodad
    ip -n "$B" addr add "fd99::$tag:2/64" dev "${B}0" nodad
    ip -n "$A" link set "${A}0" up; ip -n "$B" link set "${B}0" up
    # A route for multicast so group sends leave through the veth.
    ip -n "$A" route add 224.0.0.0/4 dev "${A}0"; ip -n "$B" route add 224.0.0.0/4 dev "${B}0"
    # veth leaves partial checksums (offload) that AF_XDP would read as broken: full ones instead.
    ip netns exec "$A" ethtool -K "${A}0" tx off >/dev/null 2>&1 || true
    ip netns exec "$B" ethtool -K "${B}0" tx off >/dev/null 2>&1 || true
    ip netns exec "$B" ping -c1 -W2 "10.99.$tag.1" >/dev/null
    echo "$A $B"
    ;;
  down)
    ip netns del "$A" 2>/dev/null || true; ip netns del "$B" 2>/dev/null || true
    ;;
  check-clean)
    left=$(ip netns list | awk '{print $1}' | grep -E '^rs[0-9]+[ab]$' || true)
    if [ -n "$left" ]; then echo "netns.sh: namespaces left behind: $left" >&2; exit 1; fi
    ;;
  *) echo "usage: netns.sh up|down [TAG] | check-clean" >&2; exit 2;;
esac
