// UDP load client: keeps W datagrams in flight against an echo server, checks every reply's
// payload against what was sent, and prints one machine-readable RESULT line.
// usage: udp_load -d ADDR -p PORT [-w W] [-s SIZE] [-t SECS] [-T WARMUP_SECS] [-S] [-o TIMEOUT_MS]
//   -S spins on the socket (MSG_DONTWAIT) instead of sleeping in recvmmsg.
// Payload: [0,4) "RSB1" | [4,8) slot | [8,12) seq | [12,16) 0xffffffff (so bytes 10..13,
// where sockperf keeps its length, never equal the datagram length) | [16,24) send time | [24,size) pattern(seq).
#include "bench_common.h"
#include <getopt.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <netinet/in.h>

#define MAXW 1024
#define MAXB 64
#define HDR 24
static const uint8_t MAGIC[4] = { 'R', 'S', 'B', '1' };
struct slot { uint32_t seq; uint64_t ts; int out; };
static struct slot slots[MAXW];

int main(int argc, char **argv) {
	const char *dst = "10.99.7.1"; int port = 9000, W = 32, size = 64, spin = 0, c;
	double secs = 2, warm_s = 0.3, timeout_ms = 200;
	while ((c = getopt(argc, argv, "d:p:w:s:t:T:So:")) != -1) switch (c) {
		case 'd': dst = optarg; break; case 'p': port = atoi(optarg); break;
		case 'w': W = atoi(optarg); break; case 's': size = atoi(optarg); break;
		case 't': secs = atof(optarg); break; case 'T': warm_s = atof(optarg); break;
		case 'S': spin = 1; break; case 'o': timeout_ms = atof(optarg); break;
		default: fprintf(stderr, "usage: udp_load -d ADDR -p PORT [-w W] [-s SIZE] [-t SECS] [-T WARMUP] [-S] [-o TIMEOUT_MS]\n"); return 2;
	}
	if (W < 1) W = 1; if (W > MAXW) W = MAXW;
	if (size < HDR) size = HDR; if (size > 1400) size = 1400;
	secs = clampd(secs, 0.1, 60); warm_s = clampd(warm_s, 0, 10);
	hard_timeout((unsigned)(secs + warm_s) + 10);

	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) { perror("socket"); return 1; }
	int sz = 4 << 20; setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz); setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	if (inet_pton(AF_INET, dst, &sa.sin_addr) != 1) { fprintf(stderr, "bad address %s\n", dst); return 2; }
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa)) { perror("connect"); return 1; }
	struct timeval tv = { 0, 5000 }; setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

	static uint8_t sbuf[MAXB][1500], rbuf[MAXB][2048];
	struct mmsghdr smsg[MAXB], rmsg[MAXB]; struct iovec siov[MAXB], riov[MAXB];
	memset(smsg, 0, sizeof smsg); memset(rmsg, 0, sizeof rmsg);
	for (int i = 0; i < MAXB; i++) {
		siov[i] = (struct iovec){ sbuf[i], (size_t)size }; riov[i] = (struct iovec){ rbuf[i], sizeof rbuf[i] };
		smsg[i].msg_hdr.msg_iov = &siov[i]; smsg[i].msg_hdr.msg_iovlen = 1;
		rmsg[i].msg_hdr.msg_iov = &riov[i]; rmsg[i].msg_hdr.msg_iovlen = 1;
	}
	uint32_t nextseq = 1;
	uint64_t sent = 0, ok = 0, mism = 0, lost = 0, late = 0, senderr = 0;
	static int pend[MAXW]; int npend = 0;   /* slots waiting to be (re)sent */

	uint64_t t0 = now_ns(), twarm = t0 + (uint64_t)(warm_s * 1e9), tend = twarm + (uint64_t)(secs * 1e9);
	uint64_t tw = 0, lastscan = t0; int warm = warm_s <= 0;
	if (warm) tw = t0;
	for (int i = 0; i < W; i++) pend[npend++] = i;

	for (;;) {
		/* send everything pending, in batches */
		while (npend > 0) {
			int k = npend > MAXB ? MAXB : npend; uint64_t ts = now_ns();
			for (int i = 0; i < k; i++) {
				int s = pend[npend - k + i]; uint8_t *p = sbuf[i]; uint32_t seq = nextseq++;
				uint32_t slot = (uint32_t)s, mark = 0xffffffffu;
				memcpy(p, MAGIC, 4); memcpy(p + 4, &slot, 4); memcpy(p + 8, &seq, 4); memcpy(p + 12, &mark, 4);
				memcpy(p + 16, &ts, 8); fill_pattern(p, HDR, size, seq);
				slots[s].seq = seq; slots[s].ts = ts; slots[s].out = 1;
			}
			int r = sendmmsg(fd, smsg, k, 0);
			if (r < 0) {
				if (errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED || errno == EINTR) { senderr++; r = 0; }
				else { perror("sendmmsg"); return 1; }
			}
			/* unsent ones stay outstanding and are recovered by the timeout scan */
			sent += (uint64_t)k; npend -= k;
			if (r < k) senderr += (uint64_t)(k - r);
		}
		int r;
		if (spin) {
			uint64_t ts0 = now_ns();
			while ((r = recvmmsg(fd, rmsg, MAXB, MSG_DONTWAIT, NULL)) < 0 && (errno == EAGAIN || errno == ECONNREFUSED) && now_ns() - ts0 < 5000000ull) ;
		} else r = recvmmsg(fd, rmsg, MAXB, MSG_WAITFORONE, NULL);
		uint64_t t = now_ns();
		if (!warm && t >= twarm) { warm = 1; tw = t; hist_reset(); sent = ok = mism = lost = late = senderr = 0; }
		if (t >= tend) break;
		if (r < 0 && errno != EAGAIN && errno != EINTR && errno != ECONNREFUSED) { perror("recvmmsg"); return 1; }
		for (int i = 0; i < r; i++) {
			const uint8_t *p = rbuf[i]; uint32_t len = rmsg[i].msg_len, slot, seq; uint64_t ts;
			if (len < HDR || memcmp(p, MAGIC, 4)) { mism++; continue; }
			memcpy(&slot, p + 4, 4); memcpy(&seq, p + 8, 4); memcpy(&ts, p + 16, 8);
			if (slot >= (uint32_t)W) { mism++; continue; }
			struct slot *sl = &slots[slot];
			if (!sl->out || sl->seq != seq) {   /* a reply to an earlier send of this slot */
				if ((int32_t)(sl->seq - seq) > 0) late++; else mism++;
				continue;
			}
			uint32_t mark; memcpy(&mark, p + 12, 4);
			if (len != (uint32_t)size || mark != 0xffffffffu || ts != sl->ts || !check_pattern(p, HDR, len, seq)) {
				mism++; sl->out = 0; pend[npend++] = (int)slot; continue;
			}
			hist_add(t - ts); ok++; sl->out = 0; pend[npend++] = (int)slot;
		}
		if (t - lastscan > 5000000ull) {   /* every 5 ms: give up on replies older than the timeout */
			lastscan = t;
			for (int s = 0; s < W; s++)
				if (slots[s].out && (double)(t - slots[s].ts) > timeout_ms * 1e6) { lost++; slots[s].out = 0; pend[npend++] = s; }
		}
	}
	double el = (double)(now_ns() - tw) / 1e9;
	printf("RESULT tool=udp_load W=%d size=%d spin=%d secs=%.3f sent=%lu ok=%lu msgs_per_s=%.0f p50_us=%.2f p90_us=%.2f p99_us=%.2f p999_us=%.2f mismatches=%lu lost=%lu late=%lu senderr=%lu\n",
	       W, size, spin, el, sent, ok, ok / el, hist_pct(0.5), hist_pct(0.9), hist_pct(0.99), hist_pct(0.999), mism, lost, late, senderr);
	return ok ? 0 : 1;
}
