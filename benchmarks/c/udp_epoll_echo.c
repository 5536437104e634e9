// Reference UDP echo server: epoll (level-triggered) + recvmmsg/sendmmsg, the libuv-style
// kernel path without JS. A datagram that looks like sockperf's (bytes 10..13 = its own
// length, big-endian) gets bit 0 of the flags at byte 8..9 cleared; anything else is echoed as is.
// usage: udp_epoll_echo [-p PORT] [-b BATCH] [-t MAX_SECS]; ends on SIGINT/SIGTERM or after MAX_SECS.
#include "bench_common.h"
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#define MAXB 256
static volatile sig_atomic_t stop;
static void onsig(int s) { (void)s; stop = 1; }
static inline void sockperf_reply(uint8_t *p, uint32_t len) {
	if (len >= 16 && ((uint32_t)p[10] << 24 | (uint32_t)p[11] << 16 | (uint32_t)p[12] << 8 | p[13]) == len) p[9] &= (uint8_t)~1u;
}
int main(int argc, char **argv) {
	int port = 9000, B = 64, secs = 120, c;
	while ((c = getopt(argc, argv, "p:b:t:")) != -1) switch (c) {
		case 'p': port = atoi(optarg); break; case 'b': B = atoi(optarg); break; case 't': secs = atoi(optarg); break;
		default: return 2; }
	if (B < 1) B = 1; if (B > MAXB) B = MAXB; if (secs < 1 || secs > 3600) secs = 120;
	struct sigaction sa_ = { .sa_handler = onsig }; sigaction(SIGINT, &sa_, NULL); sigaction(SIGTERM, &sa_, NULL);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int sz = 4 << 20; setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz); setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY) };
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa)) { perror("bind"); return 1; }
	int ep = epoll_create1(0); struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	static uint8_t buf[MAXB][2048]; static struct sockaddr_in from[MAXB];
	struct mmsghdr m[MAXB]; struct iovec iov[MAXB];
	uint64_t total = 0, sendfail = 0, t0 = now_ns(), tend = t0 + (uint64_t)secs * 1000000000ull;
	printf("READY udp_epoll_echo port=%d batch=%d\n", port, B); fflush(stdout);
	while (!stop) {
		struct epoll_event evs[4];
		int n = epoll_wait(ep, evs, 4, 100);
		if (now_ns() >= tend) break;
		if (n <= 0) continue;
		for (;;) {
			for (int i = 0; i < B; i++) {
				iov[i] = (struct iovec){ buf[i], sizeof buf[i] };
				memset(&m[i].msg_hdr, 0, sizeof m[i].msg_hdr);
				m[i].msg_hdr.msg_iov = &iov[i]; m[i].msg_hdr.msg_iovlen = 1;
				m[i].msg_hdr.msg_name = &from[i]; m[i].msg_hdr.msg_namelen = sizeof from[i];
			}
			int r = recvmmsg(fd, m, B, MSG_DONTWAIT, NULL);
			if (r <= 0) break;
			total += (uint64_t)r;
			for (int i = 0; i < r; i++) { iov[i].iov_len = m[i].msg_len; sockperf_reply(buf[i], m[i].msg_len); }
			int off = 0;
			while (off < r) { int s = sendmmsg(fd, m + off, (unsigned)(r - off), 0); if (s <= 0) { sendfail += (uint64_t)(r - off); break; } off += s; }
			if (r < B) break;
		}
	}
	printf("RESULT tool=udp_epoll_echo echoed=%lu sendfail=%lu secs=%.3f\n", total, sendfail, (now_ns() - t0) / 1e9);
	return 0;
}
