// Locked memory: io_uring rings and buffer rings, and AF_XDP UMEMs, are charged to RLIMIT_MEMLOCK
// unless the process has CAP_IPC_LOCK. These helpers put a failure of that kind into words.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace ringsock {

// The effective capability set (CapEff of /proc/self/status); 0 if it cannot be read.
uint64_t EffectiveCaps();
bool HasCapability(int cap);

// Why something that locks about `bytes` could not be created, when the error is one that a
// memlock limit gives (ENOMEM, ENOBUFS, EPERM): "about 544 KiB must be locked, beside what this
// user's other rings lock; the memlock limit is 64 KiB and CAP_IPC_LOCK is missing". Empty when the limit cannot be the cause (CAP_IPC_LOCK
// held, or no limit), so the caller keeps the plain errno words.
std::string MemlockShortfall(size_t bytes);

}  // namespace ringsock
