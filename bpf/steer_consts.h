/* Constants shared by bpf/steer.bpf.c and user space (native/xdp/loader.cc).
 * Keep this header C, dependency-free and ABI-stable: both sides compile it. */
#ifndef RINGSOCK_STEER_CONSTS_H
#define RINGSOCK_STEER_CONSTS_H

#define RS_PROG_NAME      "rs_steer"     /* SEC("xdp") function name */
#define RS_MAP_XSKS       "rs_xsks"      /* XSKMAP: rx queue index -> AF_XDP socket */
#define RS_MAP_PORTS      "rs_ports"     /* HASH: struct rs_port_key -> __u32 (socket count | flags) */
#define RS_MAP_STATS      "rs_stats"     /* PERCPU_ARRAY: enum rs_stat -> __u64 */
#define RS_MAP_LOCAL      "rs_local"     /* HASH: struct rs_addr_key -> __u32 (1) */
#define RS_MAP_QPORTS     "rs_qports"    /* HASH: struct rs_qport_key -> __u32 (1) */

#define RS_MAX_QUEUES     64
#define RS_MAX_PORTS      4096
#define RS_MAX_LOCAL      1024

/* Key of RS_MAP_PORTS: which (L4 protocol, destination port, IP family) ringsock owns on this
 * interface. A port owned for one family only leaves the other family's datagrams to the
 * kernel, which answers them as it does (ICMP port unreachable). */
struct rs_port_key {
	unsigned short port;     /* host byte order */
	unsigned char proto;     /* IPPROTO_UDP (17), IPPROTO_TCP (6) */
	unsigned char family;    /* 4 or 6 */
};

/* Key of RS_MAP_QPORTS: a port owned on one rx queue, when the interface's queues belong to
 * several Node environments (threads) of the process (native/xdp/queue_registry.h). */
struct rs_qport_key {
	struct rs_port_key port;
	unsigned int queue;
};

/* Key of RS_MAP_LOCAL: a unicast or subnet-broadcast address of this network namespace. A
 * frame to any other unicast destination is the kernel's (it forwards it, drops it or answers
 * "no route" as configured); multicast and 255.255.255.255 are judged in user space. */
struct rs_addr_key {
	unsigned char family;    /* 4 or 6 */
	unsigned char pad[3];    /* always 0 */
	unsigned char addr[16];  /* network order; IPv4 in addr[0..3], the rest 0 */
};

/* Flag in a RS_MAP_PORTS value: another ringsock process uses this port on the interface too
 * (it found the interface held by this program). Its frames then go to the kernel, whose
 * sockets of both processes receive them (multicast fan-out, SO_REUSEPORT), not to one XSK. */
#define RS_PORT_SHARED    0x80000000u

/* Flag in a RS_MAP_PORTS value: the port is owned per rx queue (RS_MAP_QPORTS); on a queue
 * whose owner does not hold it the frame goes to the kernel, whose socket of the environment
 * that holds the port gets it. */
#define RS_PORT_PER_QUEUE 0x40000000u
#define RS_PORT_FLAGS     (RS_PORT_SHARED | RS_PORT_PER_QUEUE)

/* Counters kept by the program (summed over CPUs by user space). */
enum rs_stat {
	RS_STAT_REDIRECT = 0,    /* handed to the XSK of the rx queue */
	RS_STAT_PASS,            /* not ours: ARP, ICMP, other ports ... */
	RS_STAT_FRAG_PASS,       /* IP fragment of an owned port: the kernel socket reassembles it */
	RS_STAT_OPTS_PASS,       /* IPv4 with options / IPv6 with extension headers: kernel path */
	RS_STAT_NO_XSK,          /* owned port but no XSK on this rx queue (bpf_redirect_map failed) */
	RS_STAT_NOT_LOCAL_PASS,  /* owned port, unicast destination not ours: the kernel's to answer */
	RS_STAT_MAX
};

#endif
