// Shared helpers for the benchmark clients and reference servers: clock, latency histogram,
// deterministic payload pattern, bounded run time.
#pragma once
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <unistd.h>
#include <signal.h>

static inline uint64_t now_ns(void) {
	struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Latency histogram: 25 ns buckets up to ~52 ms, the rest in an overflow bucket. */
#define HB_NS 25
#define HBN (1u << 21)
static uint32_t hist[HBN];
static uint64_t hcount, hover;
static inline void hist_add(uint64_t ns) {
	uint64_t b = ns / HB_NS;
	if (b >= HBN) { b = HBN - 1; hover++; }
	hist[b]++; hcount++;
}
static inline void hist_reset(void) { memset(hist, 0, sizeof hist); hcount = hover = 0; }
/* Percentile in microseconds, -1 when there are no samples. */
static inline double hist_pct(double p) {
	if (!hcount) return -1;
	uint64_t target = (uint64_t)(p * (double)hcount), acc = 0;
	if (target >= hcount) target = hcount - 1;
	for (uint32_t i = 0; i < HBN; i++) { acc += hist[i]; if (acc > target) return (i + 0.5) * HB_NS / 1000.0; }
	return -1;
}

/* Payload filler: byte i of message `seq` (i past the header) is a function of both. */
static inline uint8_t pat(uint64_t seq, uint32_t i) { return (uint8_t)((seq * 131u + i * 7u + (seq >> 8)) & 0xff); }
static inline void fill_pattern(uint8_t *p, uint32_t from, uint32_t len, uint64_t seq) {
	for (uint32_t i = from; i < len; i++) p[i] = pat(seq, i);
}
static inline int check_pattern(const uint8_t *p, uint32_t from, uint32_t len, uint64_t seq) {
	for (uint32_t i = from; i < len; i++) if (p[i] != pat(seq, i)) return 0;
	return 1;
}

/* Hard wall-clock bound: whatever happens, the process ends. */
static void hard_timeout_handler(int s) { (void)s; static const char m[] = "hard time limit reached\n"; (void)!write(2, m, sizeof m - 1); _exit(3); }
static inline void hard_timeout(unsigned secs) { signal(SIGALRM, hard_timeout_handler); alarm(secs); }

static inline double clampd(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }
