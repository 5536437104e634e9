// TCP bulk sender: streams a byte pattern to a sink for SECS, half-closes, and waits for the
// sink's "RECEIVED <bytes>" line. Throughput counts only what the sink says it read, over the
// time from the first write to that line; the count must equal what was written.
// usage: tcp_bulk -d ADDR -p PORT [-t SECS] [-b CHUNK]
#include "bench_common.h"
#include <getopt.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

int main(int argc, char **argv) {
	const char *dst = "10.99.7.1"; int port = 9002, chunk = 65536, c; double secs = 2;
	while ((c = getopt(argc, argv, "d:p:t:b:")) != -1) switch (c) {
		case 'd': dst = optarg; break; case 'p': port = atoi(optarg); break;
		case 't': secs = atof(optarg); break; case 'b': chunk = atoi(optarg); break;
		default: fprintf(stderr, "usage: tcp_bulk -d ADDR -p PORT [-t SECS] [-b CHUNK]\n"); return 2; }
	secs = clampd(secs, 0.1, 60); if (chunk < 1024) chunk = 1024; if (chunk > (1 << 20)) chunk = 1 << 20;
	hard_timeout((unsigned)secs + 15);
	signal(SIGPIPE, SIG_IGN);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	if (inet_pton(AF_INET, dst, &sa.sin_addr) != 1) { fprintf(stderr, "bad address\n"); return 2; }
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa)) { perror("connect"); return 1; }
	struct timeval tv = { 0, 100000 }; setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	uint8_t *buf = malloc((size_t)chunk);
	for (int i = 0; i < chunk; i++) buf[i] = pat(0, (uint32_t)i);
	uint64_t sent = 0, t0 = now_ns(), tend = t0 + (uint64_t)(secs * 1e9);
	while (now_ns() < tend) {
		ssize_t w = write(fd, buf, (size_t)chunk);
		if (w < 0) { if (errno == EAGAIN || errno == EINTR) continue; perror("write"); return 1; }
		sent += (uint64_t)w;
	}
	shutdown(fd, SHUT_WR);
	tv.tv_sec = 10; tv.tv_usec = 0; setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	char line[128]; size_t got = 0;
	while (got < sizeof line - 1) {
		ssize_t r = read(fd, line + got, sizeof line - 1 - got);
		if (r <= 0) break;
		got += (size_t)r;
		if (memchr(line, '\n', got)) break;
	}
	uint64_t t1 = now_ns(); line[got] = 0;
	unsigned long long rcvd = 0;
	if (sscanf(line, "RECEIVED %llu", &rcvd) != 1) { fprintf(stderr, "no RECEIVED line from the sink (got \"%s\")\n", line); return 1; }
	double el = (double)(t1 - t0) / 1e9;
	printf("RESULT tool=tcp_bulk secs=%.3f sent=%lu received=%llu gbit_per_s=%.3f mismatches=%d\n",
	       el, sent, rcvd, rcvd * 8.0 / el / 1e9, rcvd == sent ? 0 : 1);
	return rcvd == sent ? 0 : 1;
}
