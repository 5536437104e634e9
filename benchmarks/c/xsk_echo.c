// Reference UDP echo over AF_XDP (the machine's ceiling row). Loads xsk_steer.bpf.o with libbpf,
// attaches it with a bpf_link (it disappears with this process, even on SIGKILL), opens one XSK
// on queue 0 (copy mode unless zero-copy is accepted), and answers every UDP datagram to PORT by
// swapping Ethernet/IP/UDP addresses in place. A sockperf request (bytes 10..13 of the payload =
// its length) gets bit 0 of its flags cleared, with the UDP checksum updated incrementally.
// Busy-poll by default: spins on the rings (-P poll sleeps in poll() instead).
// usage: xsk_echo -i IFNAME -p PORT [-m auto|drv|skb] [-P busy|poll] [-t MAX_SECS] [-o OBJ]
#include "bench_common.h"
#include <poll.h>
#include <getopt.h>
#include <net/if.h>
#include <sys/mman.h>
#include <linux/if_link.h>
#include <linux/if_ether.h>
#include <linux/if_xdp.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <arpa/inet.h>
#include <xdp/xsk.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

#define NUM_FRAMES 4096
#define FILL 2048
#define RING 2048
#define BATCH 64
#define FRAME_SIZE XSK_UMEM__DEFAULT_FRAME_SIZE

static struct xsk_ring_prod fq, tx;
static struct xsk_ring_cons cq, rx;
static struct xsk_umem *umem;
static struct xsk_socket *xsk;
static volatile sig_atomic_t stop;
static void onsig(int s) { (void)s; stop = 1; }
static uint32_t outstanding;

static int libbpf_log(enum libbpf_print_level l, const char *fmt, va_list ap) {
	if (l == LIBBPF_DEBUG) return 0;
	fprintf(stderr, "[libbpf] "); return vfprintf(stderr, fmt, ap);
}
static inline uint16_t csum_fold_add(uint16_t hc, uint16_t old, uint16_t new_) {   /* RFC 1624 */
	uint32_t s = (uint16_t)~hc + (uint16_t)~old + new_;
	s = (s & 0xffff) + (s >> 16); s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}
static void answer(uint8_t *p, uint32_t len) {
	struct ethhdr *eth = (struct ethhdr *)p; uint8_t mac[ETH_ALEN];
	memcpy(mac, eth->h_dest, ETH_ALEN); memcpy(eth->h_dest, eth->h_source, ETH_ALEN); memcpy(eth->h_source, mac, ETH_ALEN);
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	uint32_t a = ip->saddr; ip->saddr = ip->daddr; ip->daddr = a;              /* sums unchanged */
	struct udphdr *u = (struct udphdr *)(ip + 1);
	uint16_t s = u->source; u->source = u->dest; u->dest = s;
	uint8_t *pl = (uint8_t *)(u + 1);
	uint32_t plen = len - (uint32_t)(pl - p), ulen = ntohs(u->len);
	if (ulen >= 8 && ulen - 8 < plen) plen = ulen - 8;
	if (plen >= 16 && ((uint32_t)pl[10] << 24 | (uint32_t)pl[11] << 16 | (uint32_t)pl[12] << 8 | pl[13]) == plen && (pl[9] & 1)) {
		uint16_t oldw, neww; memcpy(&oldw, pl + 8, 2);
		pl[9] &= (uint8_t)~1u; memcpy(&neww, pl + 8, 2);
		if (u->check) { uint16_t c = csum_fold_add(u->check, oldw, neww); u->check = c ? c : 0xffff; }
	}
}
static void kick(void) {
	if (sendto(xsk_socket__fd(xsk), NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 &&
	    errno != EAGAIN && errno != EBUSY && errno != ENOBUFS && errno != ENETDOWN) { perror("sendto"); stop = 1; }
}
static void complete_tx(void) {
	if (!outstanding) return;
	kick();
	uint32_t icq, ifq, n = xsk_ring_cons__peek(&cq, RING, &icq);
	if (!n) return;
	while (xsk_ring_prod__reserve(&fq, n, &ifq) != n) if (stop) return;
	for (uint32_t i = 0; i < n; i++) *xsk_ring_prod__fill_addr(&fq, ifq++) = *xsk_ring_cons__comp_addr(&cq, icq++);
	xsk_ring_prod__submit(&fq, n); xsk_ring_cons__release(&cq, n);
	outstanding -= n;
}

int main(int argc, char **argv) {
	const char *ifname = NULL, *mode = "auto", *pmode = "busy", *obj = NULL; int port = 9000, secs = 120, c;
	while ((c = getopt(argc, argv, "i:p:m:P:t:o:")) != -1) switch (c) {
		case 'i': ifname = optarg; break; case 'p': port = atoi(optarg); break; case 'm': mode = optarg; break;
		case 'P': pmode = optarg; break; case 't': secs = atoi(optarg); break; case 'o': obj = optarg; break;
		default: fprintf(stderr, "usage: xsk_echo -i IFNAME -p PORT [-m auto|drv|skb] [-P busy|poll] [-t MAX_SECS] [-o OBJ]\n"); return 2; }
	if (!ifname) { fprintf(stderr, "xsk_echo: -i IFNAME is required\n"); return 2; }
	if (secs < 1 || secs > 3600) secs = 120;
	char objpath[4096];
	if (!obj) {   /* default: next to the binary */
		ssize_t n = readlink("/proc/self/exe", objpath, sizeof objpath - 32);
		if (n < 0) { perror("readlink"); return 1; }
		objpath[n] = 0; char *sl = strrchr(objpath, '/'); strcpy(sl ? sl + 1 : objpath, "xsk_steer.bpf.o"); obj = objpath;
	}
	libbpf_set_print(libbpf_log);
	struct sigaction sa_ = { .sa_handler = onsig }; sigaction(SIGINT, &sa_, NULL); sigaction(SIGTERM, &sa_, NULL);
	int ifindex = (int)if_nametoindex(ifname);
	if (!ifindex) { fprintf(stderr, "xsk_echo: no interface %s\n", ifname); return 1; }

	struct bpf_object *bo = bpf_object__open_file(obj, NULL);
	if (!bo || libbpf_get_error(bo)) { fprintf(stderr, "xsk_echo: cannot open %s\n", obj); return 1; }
	int err = bpf_object__load(bo);
	if (err) { fprintf(stderr, "xsk_echo: bpf_object__load: %s\n", strerror(-err)); return 1; }
	struct bpf_program *prog = bpf_object__find_program_by_name(bo, "rsb_xsk_steer");
	int xsks_fd = bpf_object__find_map_fd_by_name(bo, "rsb_xsks"), ports_fd = bpf_object__find_map_fd_by_name(bo, "rsb_ports");
	uint16_t key = (uint16_t)port; uint8_t one = 1;
	if (bpf_map_update_elem(ports_fd, &key, &one, BPF_ANY)) { perror("xsk_echo: port map"); return 1; }

	/* attach through a bpf_link: native first (auto), generic if the driver refuses */
	const char *modes[2]; int nm = 0;
	if (!strcmp(mode, "auto")) { modes[nm++] = "drv"; modes[nm++] = "skb"; } else modes[nm++] = mode;
	int link_fd = -1; const char *used = NULL; uint32_t xflags = 0;
	for (int i = 0; i < nm && link_fd < 0; i++) {
		xflags = !strcmp(modes[i], "drv") ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
		LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = xflags);
		link_fd = bpf_link_create(bpf_program__fd(prog), ifindex, BPF_XDP, &lo);
		if (link_fd < 0) fprintf(stderr, "xsk_echo: bpf_link_create(%s): %s\n", modes[i], strerror(errno));
		else used = modes[i];
	}
	if (link_fd < 0) return 1;

	void *bufs = mmap(NULL, (size_t)NUM_FRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (bufs == MAP_FAILED) { perror("xsk_echo: mmap"); return 1; }
	struct xsk_umem_config uc = { .fill_size = FILL, .comp_size = RING, .frame_size = FRAME_SIZE, .frame_headroom = 0, .flags = 0 };
	err = xsk_umem__create(&umem, bufs, (uint64_t)NUM_FRAMES * FRAME_SIZE, &fq, &cq, &uc);
	if (err) { fprintf(stderr, "xsk_echo: xsk_umem__create: %s (locked memory limit?)\n", strerror(-err)); return 1; }
	int zc = 1;
	struct xsk_socket_config sc = { .rx_size = RING, .tx_size = RING, .libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.xdp_flags = xflags, .bind_flags = XDP_ZEROCOPY };
	err = xsk_socket__create(&xsk, ifname, 0, umem, &rx, &tx, &sc);
	if (err) { zc = 0; sc.bind_flags = XDP_COPY; err = xsk_socket__create(&xsk, ifname, 0, umem, &rx, &tx, &sc); }
	if (err) { fprintf(stderr, "xsk_echo: xsk_socket__create: %s\n", strerror(-err)); return 1; }
	if ((err = xsk_socket__update_xskmap(xsk, xsks_fd))) { fprintf(stderr, "xsk_echo: update_xskmap: %s\n", strerror(-err)); return 1; }
	int fd = xsk_socket__fd(xsk);
	struct xdp_options xo; socklen_t xol = sizeof xo;
	if (!getsockopt(fd, SOL_XDP, XDP_OPTIONS, &xo, &xol)) zc = !!(xo.flags & XDP_OPTIONS_ZEROCOPY);
	uint32_t idx;
	if (xsk_ring_prod__reserve(&fq, FILL, &idx) != FILL) { fprintf(stderr, "xsk_echo: fill ring\n"); return 1; }
	for (uint32_t i = 0; i < FILL; i++) *xsk_ring_prod__fill_addr(&fq, idx++) = (uint64_t)i * FRAME_SIZE;
	xsk_ring_prod__submit(&fq, FILL);

	int busy = strcmp(pmode, "poll") != 0;
	printf("READY xsk_echo if=%s port=%d xdp_mode=%s attach=bpf_link zerocopy=%d poll=%s\n", ifname, port, used, zc, busy ? "busy" : "poll");
	fflush(stdout);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t total = 0, t0 = now_ns(), tend = t0 + (uint64_t)secs * 1000000000ull; uint32_t spins = 0;
	while (!stop) {
		uint32_t irx, itx = 0, n = xsk_ring_cons__peek(&rx, BATCH, &irx);
		if (!n) {
			complete_tx();
			if (!busy) poll(&pfd, 1, 100);
			else if (xsk_ring_prod__needs_wakeup(&fq)) recvfrom(fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
			if (!busy || ++spins >= 4096) { spins = 0; if (now_ns() >= tend) break; }
			continue;
		}
		while (xsk_ring_prod__reserve(&tx, n, &itx) != n) { complete_tx(); if (stop) break; }
		if (stop) break;
		for (uint32_t i = 0; i < n; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&rx, irx++);
			answer(xsk_umem__get_data(bufs, d->addr), d->len);
			struct xdp_desc *t = xsk_ring_prod__tx_desc(&tx, itx++); t->addr = d->addr; t->len = d->len;
		}
		xsk_ring_prod__submit(&tx, n); xsk_ring_cons__release(&rx, n);
		outstanding += n; total += n;
		complete_tx();
	}
	struct xdp_statistics st; socklen_t sl = sizeof st; memset(&st, 0, sizeof st);
	getsockopt(fd, SOL_XDP, XDP_STATISTICS, &st, &sl);
	printf("RESULT tool=xsk_echo echoed=%lu rx_dropped=%llu rx_ring_full=%llu fill_empty=%llu tx_invalid=%llu secs=%.3f\n", total,
	       (unsigned long long)st.rx_dropped, (unsigned long long)st.rx_ring_full, (unsigned long long)st.rx_fill_ring_empty_descs,
	       (unsigned long long)st.tx_invalid_descs, (now_ns() - t0) / 1e9);
	fflush(stdout);
	xsk_socket__delete(xsk); xsk_umem__delete(umem);
	close(link_fd);   /* detaches the program */
	bpf_object__close(bo);
	return 0;
}
