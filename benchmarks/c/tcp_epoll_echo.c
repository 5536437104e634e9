// Reference TCP server without JS: epoll (level-triggered), non-blocking sockets.
//   -a echo: every byte read is written back (request/response, connection rate)
//   -a sink: reads until the peer half-closes, then answers "RECEIVED <bytes>\n" and closes
// usage: tcp_epoll_echo [-p PORT] [-a echo|sink] [-t MAX_SECS]; ends on SIGINT/SIGTERM or after MAX_SECS.
#include "bench_common.h"
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#define MAXFD 65536
static volatile sig_atomic_t stop;
static void onsig(int s) { (void)s; stop = 1; }
static uint64_t counted[MAXFD];
int main(int argc, char **argv) {
	int port = 9001, secs = 120, c; const char *action = "echo";
	while ((c = getopt(argc, argv, "p:a:t:")) != -1) switch (c) {
		case 'p': port = atoi(optarg); break; case 'a': action = optarg; break; case 't': secs = atoi(optarg); break;
		default: return 2; }
	if (secs < 1 || secs > 3600) secs = 120;
	int sink = !strcmp(action, "sink");
	struct sigaction sa_ = { .sa_handler = onsig }; sigaction(SIGINT, &sa_, NULL); sigaction(SIGTERM, &sa_, NULL);
	signal(SIGPIPE, SIG_IGN);
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY) };
	if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) || listen(lfd, 4096)) { perror("bind/listen"); return 1; }
	int ep = epoll_create1(0); struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd };
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	static char buf[1 << 16];
	uint64_t conns = 0, bytes = 0, t0 = now_ns(), tend = t0 + (uint64_t)secs * 1000000000ull;
	printf("READY tcp_epoll_echo port=%d action=%s\n", port, action); fflush(stdout);
	while (!stop) {
		struct epoll_event evs[256];
		int n = epoll_wait(ep, evs, 256, 100);
		if (now_ns() >= tend) break;
		for (int k = 0; k < n; k++) {
			int fd = evs[k].data.fd;
			if (fd == lfd) {
				int cfd;
				while ((cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					if (cfd >= MAXFD) { close(cfd); continue; }
					setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
					struct epoll_event ce = { .events = EPOLLIN, .data.fd = cfd }; epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ce);
					counted[cfd] = 0; conns++;
				}
				continue;
			}
			for (;;) {
				ssize_t r = read(fd, buf, sizeof buf);
				if (r > 0) {
					bytes += (uint64_t)r;
					if (sink) { counted[fd] += (uint64_t)r; continue; }
					ssize_t off = 0;   /* small requests: the socket buffer takes them; block briefly otherwise */
					while (off < r) { ssize_t w = write(fd, buf + off, (size_t)(r - off)); if (w > 0) off += w; else if (w < 0 && errno != EAGAIN) break; }
					if (off < r) { epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL); close(fd); break; }
					continue;
				}
				if (r < 0 && errno == EAGAIN) break;
				if (r == 0 && sink) { char line[64]; int l = snprintf(line, sizeof line, "RECEIVED %lu\n", counted[fd]); (void)!write(fd, line, (size_t)l); }
				epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL); close(fd);
				break;
			}
		}
	}
	printf("RESULT tool=tcp_epoll_echo action=%s connections=%lu bytes=%lu secs=%.3f\n", action, conns, bytes, (now_ns() - t0) / 1e9);
	return 0;
}
