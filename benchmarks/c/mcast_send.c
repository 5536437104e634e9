// Multicast sender for the fan-out scenario: sends SECS of datagrams (batches of 32) to
// GROUP:PORT out of the interface with address IFADDR, at most RATE per second (0: as fast
// as the socket takes them). Payload as udp_load's ("RSB3", seq, pattern) so receivers check it.
// usage: mcast_send -g GROUP -p PORT -i IFADDR [-s SIZE] [-t SECS] [-r RATE]
#include "bench_common.h"
#include <getopt.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#define B 32
#define HDR 24
int main(int argc, char **argv) {
	const char *grp = "239.7.7.7", *ifaddr = "10.99.7.2"; int port = 9003, size = 64, c; double secs = 2, rate = 0;
	while ((c = getopt(argc, argv, "g:p:i:s:t:r:")) != -1) switch (c) {
		case 'g': grp = optarg; break; case 'p': port = atoi(optarg); break; case 'i': ifaddr = optarg; break;
		case 's': size = atoi(optarg); break; case 't': secs = atof(optarg); break; case 'r': rate = atof(optarg); break;
		default: fprintf(stderr, "usage: mcast_send -g GROUP -p PORT -i IFADDR [-s SIZE] [-t SECS] [-r RATE]\n"); return 2; }
	if (size < HDR) size = HDR; if (size > 1400) size = 1400; secs = clampd(secs, 0.1, 60);
	hard_timeout((unsigned)secs + 10);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct in_addr ia; if (inet_pton(AF_INET, ifaddr, &ia) != 1) { fprintf(stderr, "bad ifaddr\n"); return 2; }
	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &ia, sizeof ia)) { perror("IP_MULTICAST_IF"); return 1; }
	unsigned char ttl = 1, loop = 0;
	setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl); setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	if (inet_pton(AF_INET, grp, &sa.sin_addr) != 1) { fprintf(stderr, "bad group\n"); return 2; }
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa)) { perror("connect"); return 1; }
	static uint8_t buf[B][1500]; struct mmsghdr m[B]; struct iovec iov[B]; memset(m, 0, sizeof m);
	for (int i = 0; i < B; i++) { iov[i] = (struct iovec){ buf[i], (size_t)size }; m[i].msg_hdr.msg_iov = &iov[i]; m[i].msg_hdr.msg_iovlen = 1; }
	uint32_t seq = 1; uint64_t sent = 0, fails = 0, t0 = now_ns(), tend = t0 + (uint64_t)(secs * 1e9);
	for (;;) {
		uint64_t t = now_ns(); if (t >= tend) break;
		if (rate > 0 && (double)sent > rate * (double)(t - t0) / 1e9) continue;   /* paced */
		for (int i = 0; i < B; i++) {
			uint32_t z = 0, mark = 0xffffffffu, s = seq + (uint32_t)i;
			memcpy(buf[i], "RSB3", 4); memcpy(buf[i] + 4, &z, 4); memcpy(buf[i] + 8, &s, 4); memcpy(buf[i] + 12, &mark, 4);
			memcpy(buf[i] + 16, &t, 8); fill_pattern(buf[i], HDR, size, s);
		}
		int r = sendmmsg(fd, m, B, 0);
		if (r < 0) { if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) { fails++; continue; } perror("sendmmsg"); return 1; }
		sent += (uint64_t)r; seq += (uint32_t)r;
	}
	double el = (double)(now_ns() - t0) / 1e9;
	printf("RESULT tool=mcast_send secs=%.3f sent=%lu msgs_per_s=%.0f size=%d sendfail=%lu\n", el, sent, sent / el, size, fails);
	return 0;
}
