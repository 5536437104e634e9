// Reference io_uring server without JS (liburing, no SQPOLL): the ceiling io_uring reaches here.
//   -u:      UDP echo: one multishot recvmsg on a provided buffer ring, every datagram sent back
//            to its source with IORING_OP_SENDMSG straight out of its ring buffer (returned to
//            the ring when the send completes). A datagram that looks like sockperf's (bytes
//            10..13 = its own length, big-endian) gets bit 0 of the flags at byte 8..9 cleared,
//            as udp_epoll_echo does.
//   -a echo: TCP: multishot accept, one multishot recv per connection on a provided buffer ring;
//            every byte read is sent back from its ring buffer, in order (one send in flight per
//            connection, the rest queued); closed on EOF (after the queue is sent) or on error.
//   -a sink: TCP: reads until the peer half-closes, then answers "RECEIVED <bytes>\n" and closes.
// A multishot request that ends (no IORING_CQE_F_MORE, e.g. -ENOBUFS) is armed again.
// Loop: io_uring_submit_and_wait_timeout (one io_uring_enter: submit + wait, 100 ms bound).
// Ring: SINGLE_ISSUER | DEFER_TASKRUN when the kernel takes them, else plain.
// usage: uring_echo [-u] [-p PORT] [-a echo|sink] [-t MAX_SECS]; ends on SIGINT/SIGTERM or after MAX_SECS.
// Prints "READY uring_echo ..." once serving and "RESULT tool=uring_echo ..." at the end.
#include "bench_common.h"
#include <sys/mman.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <liburing.h>

#define BGID 1
#define MAXFD 65536
static volatile sig_atomic_t stop;
static void onsig(int s) { (void)s; stop = 1; }

/* user_data: type << 56 | generation << 32 | fd (TCP) or buffer id (UDP send) */
enum { UD_URECV = 1, UD_USEND, UD_ACCEPT, UD_RECV, UD_SEND, UD_LINE };
static inline uint64_t ud(unsigned type, uint32_t gen, uint32_t low) { return (uint64_t)type << 56 | (uint64_t)(gen & 0xffffff) << 32 | low; }

static struct io_uring ring;
static struct io_uring_buf_ring *br;
static char *bufbase;
static unsigned nbuf, bufsz, nfree;
static uint64_t n_sqfull, n_rearm, n_enobufs;

static struct io_uring_sqe *get_sqe(void) {
	struct io_uring_sqe *s;
	while (!(s = io_uring_get_sqe(&ring))) { n_sqfull++; io_uring_submit(&ring); }
	return s;
}
static inline char *bufp(unsigned bid) { return bufbase + (size_t)bid * bufsz; }
static inline void recycle(unsigned bid) {
	io_uring_buf_ring_add(br, bufp(bid), bufsz, (unsigned short)bid, io_uring_buf_ring_mask(nbuf), 0);
	io_uring_buf_ring_advance(br, 1);
	nfree++;
}
static int setup(unsigned entries, unsigned nb, unsigned bs, const char **flags) {
	struct io_uring_params p = { .flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, .cq_entries = 16384 };
	*flags = "single_issuer+defer_taskrun";
	int err = io_uring_queue_init_params(entries, &ring, &p);
	if (err) {
		struct io_uring_params q = { .flags = IORING_SETUP_CQSIZE, .cq_entries = 16384 };
		*flags = "plain";
		err = io_uring_queue_init_params(entries, &ring, &q);
	}
	if (err) { fprintf(stderr, "io_uring_queue_init_params: %s\n", strerror(-err)); return -1; }
	nbuf = nb; bufsz = bs;
	br = mmap(NULL, nbuf * sizeof(struct io_uring_buf), PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	bufbase = mmap(NULL, (size_t)nbuf * bufsz, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE | MAP_POPULATE, -1, 0);
	if (br == MAP_FAILED || bufbase == MAP_FAILED) { perror("mmap"); return -1; }
	struct io_uring_buf_reg reg = { .ring_addr = (unsigned long)br, .ring_entries = nbuf, .bgid = BGID };
	err = io_uring_register_buf_ring(&ring, &reg, 0);
	if (err) { fprintf(stderr, "io_uring_register_buf_ring: %s\n", strerror(-err)); return -1; }
	io_uring_buf_ring_init(br);
	for (unsigned i = 0; i < nbuf; i++) io_uring_buf_ring_add(br, bufp(i), bufsz, (unsigned short)i, io_uring_buf_ring_mask(nbuf), (int)i);
	io_uring_buf_ring_advance(br, nbuf);
	nfree = nbuf;
	return 0;
}

/* ---------------------------------------------------------------- UDP */
static inline void sockperf_reply(uint8_t *p, uint32_t len) {
	if (len >= 16 && ((uint32_t)p[10] << 24 | (uint32_t)p[11] << 16 | (uint32_t)p[12] << 8 | p[13]) == len) p[9] &= (uint8_t)~1u;
}
static struct msghdr rmsg;   /* multishot recvmsg template: room for the source address */
static struct msghdr *smsg; static struct iovec *siov;
static void arm_urecv(int fd) {
	struct io_uring_sqe *s = get_sqe();
	io_uring_prep_recvmsg_multishot(s, fd, &rmsg, 0);
	s->flags |= IOSQE_BUFFER_SELECT; s->buf_group = BGID;
	io_uring_sqe_set_data64(s, ud(UD_URECV, 0, 0));
	n_rearm++;
}

/* One submit-and-wait pass, bounded to 100 ms so the -t lifetime always ends the loop.
 * Returns 1 when the loop must stop (lifetime over, or a real error). */
static int wait_pass(uint64_t tend, uint64_t *waits)
{
	struct __kernel_timespec ts = { 0, 100000000 };
	struct io_uring_cqe *cqe;
	int r = io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts, NULL);
	(*waits)++;
	if (now_ns() >= tend) return 1;
	if (r < 0 && r != -ETIME && r != -EINTR && r != -EAGAIN) { fprintf(stderr, "submit_and_wait: %s\n", strerror(-r)); return 1; }
	return 0;
}

static int run_udp(int port, uint64_t tend, uint64_t t0) {
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int sz = 4 << 20; setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz); setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY) };
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa)) { perror("bind"); return 1; }
	const char *fl;
	if (setup(1024, 4096, 2048, &fl)) return 1;
	smsg = calloc(nbuf, sizeof *smsg); siov = calloc(nbuf, sizeof *siov);
	rmsg.msg_namelen = sizeof(struct sockaddr_in);
	arm_urecv(fd);
	io_uring_submit(&ring);
	uint64_t total = 0, sendfail = 0, waits = 0;
	printf("READY uring_echo mode=udp port=%d ring=%s bufs=%ux%u\n", port, fl, nbuf, bufsz); fflush(stdout);
	while (!stop) {
		struct io_uring_cqe *cqe;
		if (wait_pass(tend, &waits)) break;
		unsigned head, cnt = 0; int rearm = 0;
		io_uring_for_each_cqe(&ring, head, cqe) {
			cnt++;
			unsigned type = (unsigned)(cqe->user_data >> 56);
			if (type == UD_URECV) {
				if (!(cqe->flags & IORING_CQE_F_MORE)) rearm = 1;
				if (cqe->res < 0) { if (cqe->res == -ENOBUFS) n_enobufs++; else fprintf(stderr, "recvmsg: %s\n", strerror(-cqe->res)); continue; }
				if (!(cqe->flags & IORING_CQE_F_BUFFER)) continue;
				unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
				nfree--;
				struct io_uring_recvmsg_out *o = io_uring_recvmsg_validate(bufp(bid), cqe->res, &rmsg);
				if (!o || o->namelen > sizeof(struct sockaddr_in)) { recycle(bid); continue; }
				total++;
				smsg[bid] = (struct msghdr){ .msg_name = io_uring_recvmsg_name(o), .msg_namelen = o->namelen, .msg_iov = &siov[bid], .msg_iovlen = 1 };
				siov[bid].iov_base = io_uring_recvmsg_payload(o, &rmsg);
				siov[bid].iov_len = io_uring_recvmsg_payload_length(o, cqe->res, &rmsg);
				sockperf_reply(siov[bid].iov_base, (uint32_t)siov[bid].iov_len);
				struct io_uring_sqe *s = get_sqe();
				io_uring_prep_sendmsg(s, fd, &smsg[bid], 0);
				io_uring_sqe_set_data64(s, ud(UD_USEND, 0, bid));
			} else {
				if (cqe->res < 0) sendfail++;
				recycle((unsigned)(cqe->user_data & 0xffffffffu));
			}
		}
		io_uring_cq_advance(&ring, cnt);
		if (rearm) arm_urecv(fd);   /* ENOBUFS: the sends just reaped return buffers first */
	}
	printf("RESULT tool=uring_echo mode=udp echoed=%lu sendfail=%lu secs=%.3f waits=%lu rearms=%lu enobufs=%lu sqfull=%lu\n",
	       total, sendfail, (now_ns() - t0) / 1e9, waits, n_rearm, n_enobufs, n_sqfull);
	return 0;
}

/* ---------------------------------------------------------------- TCP */
/* Per connection (indexed by fd). Queued data: chain of ring buffers (next[] by buffer id). */
struct conn {
	uint32_t gen;
	uint8_t open, recv_armed, sending, eof, dead, in_rearm;   /* eof: close once sent; dead: close now */
	int qhead, qtail;        /* buffer ids, -1 = empty */
	uint64_t counted;
	char line[48];
};
static struct conn *cs;
static int *qnext; static uint32_t *qoff, *qlen;
static int sink_mode;
static int *rearm_list, nrearm;
static uint64_t conns, bytes, senderr, recverr;

static void arm_accept(int lfd) {
	struct io_uring_sqe *s = get_sqe();
	io_uring_prep_multishot_accept(s, lfd, NULL, NULL, 0);
	io_uring_sqe_set_data64(s, ud(UD_ACCEPT, 0, 0));
}
static void arm_recv(int fd) {
	struct io_uring_sqe *s = get_sqe();
	io_uring_prep_recv_multishot(s, fd, NULL, 0, 0);
	s->flags |= IOSQE_BUFFER_SELECT; s->buf_group = BGID;
	io_uring_sqe_set_data64(s, ud(UD_RECV, cs[fd].gen, (uint32_t)fd));
	cs[fd].recv_armed = 1;
	n_rearm++;
}
static void send_head(int fd) {
	struct conn *c = &cs[fd];
	int b = c->qhead;
	struct io_uring_sqe *s = get_sqe();
	io_uring_prep_send(s, fd, bufp((unsigned)b) + qoff[b], qlen[b], MSG_NOSIGNAL);
	io_uring_sqe_set_data64(s, ud(UD_SEND, c->gen, (uint32_t)fd));
	c->sending = 1;
}
static void drop_queue(struct conn *c) {
	while (c->qhead >= 0) { int b = c->qhead; c->qhead = qnext[b]; recycle((unsigned)b); }
	c->qtail = -1;
}
/* Closes when no send is in flight (the kernel may still read its buffer) and the connection is
 * dead, or at EOF with nothing left to send. An armed recv is ended by shutdown (its CQE is stale then). */
static void maybe_close(int fd) {
	struct conn *c = &cs[fd];
	if (!c->open || c->sending || !(c->dead || (c->eof && c->qhead < 0))) return;
	drop_queue(c);
	if (c->recv_armed) shutdown(fd, SHUT_RDWR);
	close(fd);
	c->open = 0; c->gen++;
}
static void fail_conn(int fd) { cs[fd].dead = 1; maybe_close(fd); }
static void want_rearm(int fd) { if (!cs[fd].in_rearm) { cs[fd].in_rearm = 1; rearm_list[nrearm++] = fd; } }

static int run_tcp(int port, const char *action, uint64_t tend, uint64_t t0) {
	sink_mode = !strcmp(action, "sink");
	if (!sink_mode && strcmp(action, "echo")) { fprintf(stderr, "-a takes echo or sink\n"); return 2; }
	signal(SIGPIPE, SIG_IGN);
	int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY) };
	if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) || listen(lfd, 4096)) { perror("bind/listen"); return 1; }
	const char *fl;
	if (setup(1024, 512, 64 << 10, &fl)) return 1;
	cs = calloc(MAXFD, sizeof *cs); qnext = calloc(nbuf, sizeof *qnext); qoff = calloc(nbuf, sizeof *qoff); qlen = calloc(nbuf, sizeof *qlen);
	rearm_list = calloc(MAXFD, sizeof *rearm_list);
	arm_accept(lfd);
	io_uring_submit(&ring);
	uint64_t waits = 0;
	printf("READY uring_echo mode=tcp port=%d action=%s ring=%s bufs=%ux%u\n", port, action, fl, nbuf, bufsz); fflush(stdout);
	while (!stop) {
		struct io_uring_cqe *cqe;
		if (wait_pass(tend, &waits)) break;
		unsigned head, cnt = 0; int accept_again = 0;
		io_uring_for_each_cqe(&ring, head, cqe) {
			cnt++;
			uint64_t u = cqe->user_data;
			unsigned type = (unsigned)(u >> 56);
			int fd = (int)(u & 0xffffffffu);
			uint32_t gen = (uint32_t)(u >> 32) & 0xffffff;
			if (type == UD_ACCEPT) {
				if (!(cqe->flags & IORING_CQE_F_MORE)) accept_again = 1;
				if (cqe->res < 0) { if (cqe->res != -ECANCELED) fprintf(stderr, "accept: %s\n", strerror(-cqe->res)); continue; }
				int cfd = cqe->res;
				if (cfd >= MAXFD) { close(cfd); continue; }
				setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
				struct conn *c = &cs[cfd];
				uint32_t g = c->gen; uint8_t listed = c->in_rearm;   /* a stale entry may still be listed */
				memset(c, 0, sizeof *c);
				c->gen = g; c->in_rearm = listed; c->open = 1; c->qhead = c->qtail = -1;
				conns++;
				arm_recv(cfd);
				continue;
			}
			struct conn *c = &cs[fd];
			int stale = !c->open || (c->gen & 0xffffff) != gen;
			if (type == UD_RECV) {
				int bid = (cqe->flags & IORING_CQE_F_BUFFER) ? (int)(cqe->flags >> IORING_CQE_BUFFER_SHIFT) : -1;
				if (bid >= 0) nfree--;
				if (stale) { if (bid >= 0) recycle((unsigned)bid); continue; }
				if (!(cqe->flags & IORING_CQE_F_MORE)) c->recv_armed = 0;
				if (cqe->res > 0 && bid >= 0) {
					bytes += (uint64_t)cqe->res;
					if (sink_mode || c->dead) { c->counted += (uint64_t)cqe->res; recycle((unsigned)bid); }
					else {   /* queue in order; send now unless a send is in flight */
						qnext[bid] = -1; qoff[bid] = 0; qlen[bid] = (uint32_t)cqe->res;
						if (c->qtail >= 0) qnext[c->qtail] = bid; else c->qhead = bid;
						c->qtail = bid;
						if (!c->sending) send_head(fd);
					}
					if (!c->recv_armed && !c->dead) want_rearm(fd);
					continue;
				}
				if (bid >= 0) recycle((unsigned)bid);
				if (cqe->res == -ENOBUFS) { n_enobufs++; if (!c->recv_armed) want_rearm(fd); continue; }
				if (cqe->res < 0) { recverr++; fail_conn(fd); continue; }
				/* EOF */
				c->eof = 1;
				if (c->recv_armed) continue;   /* cannot happen: a 0 ends the multishot */
				if (sink_mode) {
					int l = snprintf(c->line, sizeof c->line, "RECEIVED %lu\n", c->counted);
					struct io_uring_sqe *s = get_sqe();
					io_uring_prep_send(s, fd, c->line, (size_t)l, MSG_NOSIGNAL);
					io_uring_sqe_set_data64(s, ud(UD_LINE, c->gen, (uint32_t)fd));
					c->sending = 1;   /* closed when the line is sent */
				} else maybe_close(fd);   /* now or after the queued bytes are sent */
				continue;
			}
			if (type == UD_SEND || type == UD_LINE) {
				if (stale) continue;   /* cannot happen: a connection closes only with no send in flight */
				c->sending = 0;
				if (type == UD_LINE || c->dead) { maybe_close(fd); continue; }
				if (cqe->res < 0) { senderr++; fail_conn(fd); continue; }
				int b = c->qhead;
				qoff[b] += (uint32_t)cqe->res; qlen[b] -= (uint32_t)cqe->res;
				if (!qlen[b]) { c->qhead = qnext[b]; if (c->qhead < 0) c->qtail = -1; recycle((unsigned)b); }
				if (c->qhead >= 0) send_head(fd);
				else maybe_close(fd);
				continue;
			}
		}
		io_uring_cq_advance(&ring, cnt);
		if (accept_again) arm_accept(lfd);
		/* multishot recvs that ended (ENOBUFS and the like): again once buffers are back */
		if (nrearm && nfree > 0) {
			for (int i = 0; i < nrearm; i++) {
				struct conn *c = &cs[rearm_list[i]];
				c->in_rearm = 0;
				if (c->open && !c->recv_armed && !c->dead && !c->eof) arm_recv(rearm_list[i]);
			}
			nrearm = 0;
		}
	}
	printf("RESULT tool=uring_echo mode=tcp action=%s connections=%lu bytes=%lu secs=%.3f waits=%lu rearms=%lu enobufs=%lu senderr=%lu recverr=%lu sqfull=%lu\n",
	       action, conns, bytes, (now_ns() - t0) / 1e9, waits, n_rearm, n_enobufs, senderr, recverr, n_sqfull);
	return 0;
}

int main(int argc, char **argv) {
	int port = 0, secs = 120, udp = 0, c; const char *action = "echo";
	while ((c = getopt(argc, argv, "up:a:t:")) != -1) switch (c) {
		case 'u': udp = 1; break; case 'p': port = atoi(optarg); break;
		case 'a': action = optarg; break; case 't': secs = atoi(optarg); break;
		default: fprintf(stderr, "usage: uring_echo [-u] [-p PORT] [-a echo|sink] [-t MAX_SECS]\n"); return 2; }
	if (secs < 1 || secs > 3600) secs = 120;
	if (!port) port = udp ? 9000 : 9001;
	struct sigaction sa_ = { .sa_handler = onsig }; sigaction(SIGINT, &sa_, NULL); sigaction(SIGTERM, &sa_, NULL);
	hard_timeout((unsigned)secs + 10);
	uint64_t t0 = now_ns(), tend = t0 + (uint64_t)secs * 1000000000ull;
	int rc = udp ? run_udp(port, tend, t0) : run_tcp(port, action, tend, t0);
	io_uring_queue_exit(&ring);
	return rc;
}
