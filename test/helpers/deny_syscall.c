// deny_syscall NAME ERRNO cmd args...: runs cmd under a seccomp filter that fails one system
// call (io_uring_setup, io_uring_enter or io_uring_register) with ERRNO (EPERM or ENOSYS) and
// allows everything else, as a container's seccomp profile does. test/limits.test.js uses it
// to check that ringsock falls back (or, under RINGSOCK_STRICT=1, says why) instead of hanging.
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#else
#error "deny_syscall: unknown architecture"
#endif

static int syscall_number(const char* name) {
  if (!strcmp(name, "io_uring_setup")) return __NR_io_uring_setup;
  if (!strcmp(name, "io_uring_enter")) return __NR_io_uring_enter;
  if (!strcmp(name, "io_uring_register")) return __NR_io_uring_register;
  return -1;
}

static int errno_number(const char* name) {
  if (!strcmp(name, "EPERM")) return EPERM;
  if (!strcmp(name, "ENOSYS")) return ENOSYS;
  return -1;
}

int main(int argc, char** argv) {
  int nr = argc > 3 ? syscall_number(argv[1]) : -1;
  int err = argc > 3 ? errno_number(argv[2]) : -1;
  if (nr < 0 || err < 0) {
    fprintf(stderr, "usage: deny_syscall io_uring_setup|io_uring_enter|io_uring_register EPERM|ENOSYS cmd args...\n");
    return 2;
  }
  struct sock_filter filter[] = {
      // Another architecture's calls (x32, compat) would bypass the number check: kill them.
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned)err & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {.len = sizeof filter / sizeof filter[0], .filter = filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
    perror("deny_syscall: PR_SET_NO_NEW_PRIVS");
    return 2;
  }
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
    perror("deny_syscall: PR_SET_SECCOMP");
    return 2;
  }
  execvp(argv[3], argv + 3);
  perror("deny_syscall: execvp");
  return 127;
}
