// Minimal test harness: CHECK counts failures and says where; main returns non-zero on any.
#pragma once
#include <cstdio>
static int g_failures = 0, g_checks = 0;
#define CHECK(cond)                                                              \
  do {                                                                           \
    ++g_checks;                                                                  \
    if (!(cond)) { ++g_failures; fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); } \
  } while (0)
#define CHECK_EQ(a, b)                                                           \
  do {                                                                           \
    ++g_checks;                                                                  \
    auto va_ = (a); auto vb_ = (b);                                              \
    if (!(va_ == vb_)) { ++g_failures; fprintf(stderr, "%s:%d: %s == %s failed (%lld vs %lld)\n", __FILE__, __LINE__, #a, #b, (long long)va_, (long long)vb_); } \
  } while (0)
#define TEST_MAIN_END(name)                                                      \
  fprintf(stderr, "%s: %d checks, %d failures\n", name, g_checks, g_failures);   \
  return g_failures ? 1 : 0
