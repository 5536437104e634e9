// TCP load client against an echo server, one RESULT line.
//   -m rr : C persistent connections, each with one request of SIZE bytes in flight; every
//           reply must equal the request byte for byte (mismatches counted).
//   -m crr: connection rate: C concurrent short connections, each connect, one request,
//           its checked reply, close (FIN, or RST with -R); counts completed connections/s.
// usage: tcp_load -d ADDR -p PORT -m rr|crr [-c C] [-s SIZE] [-t SECS] [-T WARMUP] [-R]
#include "bench_common.h"
#include <fcntl.h>
#include <getopt.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#define MAXC 1024
#define HDR 24
#define MAXS 4096
struct conn { int fd, state, got; uint32_t seq; uint64_t ts, tconn; uint8_t sbuf[MAXS], rbuf[MAXS]; };
static struct conn cs[MAXC];
static struct sockaddr_in sa; static int size = 64, ep, crr, rstclose;
static uint32_t nextseq = 1;
static uint64_t errs, mism;

static void build(struct conn *x, int i) {
	uint32_t seq = nextseq++, idx = (uint32_t)i, mark = 0xffffffffu; uint64_t ts = now_ns();
	memcpy(x->sbuf, "RSB2", 4); memcpy(x->sbuf + 4, &idx, 4); memcpy(x->sbuf + 8, &seq, 4);
	memcpy(x->sbuf + 12, &mark, 4); memcpy(x->sbuf + 16, &ts, 8); fill_pattern(x->sbuf, HDR, size, seq);
	x->seq = seq; x->ts = ts; x->got = 0;
}
static int send_req(struct conn *x, int i) {
	build(x, i);
	ssize_t w = write(x->fd, x->sbuf, size);
	return w == size ? 0 : -1;   /* 64..4096 bytes into an empty socket buffer: all or error */
}
static void close_conn(struct conn *x) {
	epoll_ctl(ep, EPOLL_CTL_DEL, x->fd, NULL);
	if (rstclose) { struct linger lg = { 1, 0 }; setsockopt(x->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg); }
	close(x->fd); x->fd = -1;
}
static int open_conn(int i) {
	struct conn *x = &cs[i]; int one = 1;
	x->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (x->fd < 0) { perror("socket"); return -1; }
	setsockopt(x->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	x->tconn = now_ns(); x->state = 0; x->got = 0;
	int r = connect(x->fd, (struct sockaddr *)&sa, sizeof sa);
	if (r < 0 && errno != EINPROGRESS) { errs++; close(x->fd); x->fd = -1; return -1; }
	struct epoll_event e = { .events = EPOLLOUT, .data.u32 = (uint32_t)i };
	epoll_ctl(ep, EPOLL_CTL_ADD, x->fd, &e);
	return 0;
}

int main(int argc, char **argv) {
	const char *dst = "10.99.7.1", *mode = "rr"; int port = 9001, C = 1, c;
	double secs = 2, warm_s = 0.3;
	while ((c = getopt(argc, argv, "d:p:m:c:t:T:s:R")) != -1) switch (c) {
		case 'd': dst = optarg; break; case 'p': port = atoi(optarg); break; case 'm': mode = optarg; break;
		case 'c': C = atoi(optarg); break; case 't': secs = atof(optarg); break; case 'T': warm_s = atof(optarg); break;
		case 's': size = atoi(optarg); break; case 'R': rstclose = 1; break;
		default: fprintf(stderr, "usage: tcp_load -d ADDR -p PORT -m rr|crr [-c C] [-s SIZE] [-t SECS] [-T WARMUP] [-R]\n"); return 2; }
	if (C < 1) C = 1; if (C > MAXC) C = MAXC; if (size < HDR) size = HDR; if (size > MAXS) size = MAXS;
	secs = clampd(secs, 0.1, 60); warm_s = clampd(warm_s, 0, 10);
	crr = !strcmp(mode, "crr");
	if (!crr && strcmp(mode, "rr")) { fprintf(stderr, "mode must be rr or crr\n"); return 2; }
	hard_timeout((unsigned)(secs + warm_s) + 10);
	signal(SIGPIPE, SIG_IGN);
	sa = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port) };
	if (inet_pton(AF_INET, dst, &sa.sin_addr) != 1) { fprintf(stderr, "bad address\n"); return 2; }
	ep = epoll_create1(0);
	uint64_t done = 0, t0 = now_ns(), twarm = t0 + (uint64_t)(warm_s * 1e9), tend = twarm + (uint64_t)(secs * 1e9), tw = t0;
	int warm = warm_s <= 0;
	for (int i = 0; i < C; i++) if (open_conn(i)) { if (!crr) { perror("connect"); return 1; } }
	while (1) {
		struct epoll_event evs[256];
		int n = epoll_wait(ep, evs, 256, 10);
		uint64_t t = now_ns();
		if (!warm && t >= twarm) { warm = 1; tw = t; done = 0; errs = 0; mism = 0; hist_reset(); }
		if (t >= tend) break;
		if (crr) for (int i = 0; i < C; i++) if (cs[i].fd < 0) open_conn(i);   /* retry failed connects */
		for (int k = 0; k < n; k++) {
			int i = (int)evs[k].data.u32; struct conn *x = &cs[i];
			if (x->fd < 0) continue;
			if (x->state == 0) {   /* connect finished */
				int e = 0; socklen_t el = sizeof e; getsockopt(x->fd, SOL_SOCKET, SO_ERROR, &e, &el);
				if (e || (evs[k].events & (EPOLLERR | EPOLLHUP))) {
					errs++; close_conn(x);
					if (!crr) { fprintf(stderr, "connect: %s\n", strerror(e ? e : ECONNRESET)); return 1; }
					open_conn(i); continue;
				}
				x->state = 1;
				struct epoll_event ee = { .events = EPOLLIN, .data.u32 = (uint32_t)i }; epoll_ctl(ep, EPOLL_CTL_MOD, x->fd, &ee);
				if (send_req(x, i)) { errs++; close_conn(x); if (crr) open_conn(i); else return 1; }
				continue;
			}
			ssize_t r = read(x->fd, x->rbuf + x->got, (size_t)(size - x->got));
			if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
			if (r <= 0) {   /* peer closed or reset before the whole reply arrived */
				errs++; close_conn(x);
				if (crr) { open_conn(i); continue; }
				fprintf(stderr, "connection %d closed by the server\n", i); return 1;
			}
			x->got += (int)r;
			if (x->got < size) continue;
			if (memcmp(x->rbuf, x->sbuf, (size_t)size)) mism++;
			else { done++; hist_add(t - (crr ? x->tconn : x->ts)); }
			if (crr) { close_conn(x); open_conn(i); continue; }
			if (send_req(x, i)) { errs++; fprintf(stderr, "write failed\n"); return 1; }
		}
	}
	double el = (double)(now_ns() - tw) / 1e9;
	printf("RESULT tool=tcp_load mode=%s close=%s C=%d size=%d secs=%.3f ok=%lu %s=%.0f p50_us=%.2f p90_us=%.2f p99_us=%.2f p999_us=%.2f mismatches=%lu errors=%lu\n",
	       mode, crr ? (rstclose ? "rst" : "fin") : "-", C, size, el, done, crr ? "conns_per_s" : "msgs_per_s", done / el,
	       hist_pct(0.5), hist_pct(0.9), hist_pct(0.99), hist_pct(0.999), mism, errs);
	return done ? 0 : 1;
}
