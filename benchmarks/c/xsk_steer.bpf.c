// XDP program of the AF_XDP reference echo (benchmarks only): IPv4 UDP datagrams whose
// destination port is in rsb_ports go to the AF_XDP socket of their RX queue (rsb_xsks);
// everything else (ARP, ICMP, TCP, other ports, fragments, IP options) stays with the kernel.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} rsb_xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u16);    /* UDP destination port, host byte order */
	__type(value, __u8);
} rsb_ports SEC(".maps");

SEC("xdp")
int rsb_xsk_steer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->ihl != 5 || ip->protocol != IPPROTO_UDP) return XDP_PASS;
	if (ip->frag_off & bpf_htons(0x3fff)) return XDP_PASS;
	struct udphdr *udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > end) return XDP_PASS;
	__u16 port = bpf_ntohs(udp->dest);
	if (!bpf_map_lookup_elem(&rsb_ports, &port)) return XDP_PASS;
	return bpf_redirect_map(&rsb_xsks, ctx->rx_queue_index, XDP_PASS);
}

char _license[] SEC("license") = "GPL";
