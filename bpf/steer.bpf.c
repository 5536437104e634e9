// SPDX-License-Identifier: GPL-2.0
/* ringsock's XDP program: steal only what ringsock sockets bound (DESIGN.md decision 5).
 * A frame whose (L4 protocol, destination port, family) is in RS_MAP_PORTS and whose unicast
 * destination is in RS_MAP_LOCAL goes to the AF_XDP socket of its rx queue; everything else (ARP, ICMP, ND, ssh, unbound ports, IP fragments, IPv4
 * options, IPv6 extension headers) is XDP_PASS'ed to the kernel, which also keeps a kernel
 * socket on every owned port, so whatever is passed still reaches the ringsock socket.
 * Frames are not validated here beyond what is needed to find the port: user space
 * (native/xdp/stack/packet.cc) checks lengths, versions and checksums and counts drops. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "steer_consts.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, RS_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} rs_xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RS_MAX_PORTS);
	__type(key, struct rs_port_key);
	__type(value, __u32);
} rs_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RS_MAX_LOCAL);
	__type(key, struct rs_addr_key);
	__type(value, __u32);
} rs_local SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RS_MAX_PORTS);
	__type(key, struct rs_qport_key);
	__type(value, __u32);
} rs_qports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RS_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} rs_stats SEC(".maps");

static __always_inline int count(__u32 k, int action)
{
	__u64 *v = bpf_map_lookup_elem(&rs_stats, &k);
	if (v)
		(*v)++;
	return action;
}

static __always_inline int owned(__u8 proto, __u16 port_be, __u8 family, __u32 queue)
{
	struct rs_port_key k = { .port = bpf_ntohs(port_be), .proto = proto, .family = family };
	__u32 *v = bpf_map_lookup_elem(&rs_ports, &k);
	/* A port another process shares is the kernel's: both processes' sockets get its frames. */
	if (!v || (*v & RS_PORT_SHARED))
		return 0;
	if (!(*v & RS_PORT_PER_QUEUE))
		return 1;
	/* Queues owned by several environments: only where the queue's owner holds the port. */
	struct rs_qport_key q = { .port = k, .queue = queue };
	return bpf_map_lookup_elem(&rs_qports, &q) != 0;
}

/* Is the unicast destination one of this namespace's addresses? Multicast and the limited
 * broadcast are left to user space (joined groups), like everything else it validates. */
static __always_inline int local_dst(const __u8 *dst, __u8 family)
{
	struct rs_addr_key k = { .family = family };
	if (family == 4) {
		if ((dst[0] & 0xf0) == 0xe0 || (dst[0] == 255 && dst[1] == 255 && dst[2] == 255 && dst[3] == 255))
			return 1;
		__builtin_memcpy(k.addr, dst, 4);
	} else {
		if (dst[0] == 0xff)
			return 1;
		__builtin_memcpy(k.addr, dst, 16);
	}
	return bpf_map_lookup_elem(&rs_local, &k) != 0;
}

SEC("xdp")
int rs_steer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *eth = data;
	__u8 *l3 = eth + 14;
	__u8 *l4;
	__u8 proto, family;
	int frag = 0, opts = 0;

	if (l3 > (__u8 *)end)
		return count(RS_STAT_PASS, XDP_PASS);
	__u16 type = *(__u16 *)(eth + 12);
	if (type == bpf_htons(ETH_P_IP)) {
		if (l3 + 20 > (__u8 *)end)
			return count(RS_STAT_PASS, XDP_PASS);
		/* The version nibble is not checked: a wrong version is malformed, user space counts it. */
		__u8 ihl = l3[0] & 0x0f;
		proto = l3[9];
		family = 4;
		__u16 frag_off = *(__u16 *)(l3 + 6);
		if (frag_off & bpf_htons(0x3fff))
			frag = 1;                       /* MF set or offset != 0 */
		if (ihl != 5)
			opts = 1;
		l4 = l3 + 20;
		if (frag && (frag_off & bpf_htons(0x1fff)))
			return count(RS_STAT_PASS, XDP_PASS);   /* no L4 header in a later fragment */
	} else if (type == bpf_htons(ETH_P_IPV6)) {
		if (l3 + 40 > (__u8 *)end)
			return count(RS_STAT_PASS, XDP_PASS);
		proto = l3[6];
		family = 6;
		l4 = l3 + 40;
		if (proto == 44 /* IPPROTO_FRAGMENT */) {
			/* The first fragment carries the UDP header after the 8-byte fragment header. */
			if (l4 + 8 > (__u8 *)end)
				return count(RS_STAT_PASS, XDP_PASS);
			proto = l4[0];
			frag = 1;
			if (*(__u16 *)(l4 + 2) & bpf_htons(0xfff8))
				return count(RS_STAT_PASS, XDP_PASS);
			l4 += 8;
		}
	} else {
		return count(RS_STAT_PASS, XDP_PASS);
	}
	if (proto != IPPROTO_UDP && proto != IPPROTO_TCP)
		return count(RS_STAT_PASS, XDP_PASS);
	/* Only the two port fields are needed: a frame truncated after them still reaches user
	 * space, which counts it as truncated. */
	if (l4 + 4 > (__u8 *)end)
		return count(RS_STAT_PASS, XDP_PASS);
	if (!owned(proto, *(__u16 *)(l4 + 2), family, ctx->rx_queue_index))
		return count(RS_STAT_PASS, XDP_PASS);
	if (!local_dst(l3 + (family == 4 ? 16 : 24), family))
		return count(RS_STAT_NOT_LOCAL_PASS, XDP_PASS);
	if (frag)
		return count(RS_STAT_FRAG_PASS, XDP_PASS);
	if (opts)
		return count(RS_STAT_OPTS_PASS, XDP_PASS);
	/* XDP_PASS is the fallback action when no XSK is bound on this queue. */
	int act = bpf_redirect_map(&rs_xsks, ctx->rx_queue_index, XDP_PASS);
	return count(act == XDP_REDIRECT ? RS_STAT_REDIRECT : RS_STAT_NO_XSK, act);
}

char _license[] SEC("license") = "GPL";
