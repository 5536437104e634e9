// uringProbe(): can this environment run the io_uring engine? Answered by opening the engine
// itself (the ring of its real size, both buffer rings, the eventfd) and completing one NOP
// through it, so a limit the engine would meet later (memlock, seccomp on io_uring_enter) is met
// here and becomes the registry's fallback instead of a socket that throws or never completes.
#pragma once
#include <string>
#include "addon.h"

namespace ringsock::js {

// "" when the engine of addon's environment runs (it stays open for the sockets), else one
// sentence naming the reason (the engine is closed again). Answered once per environment.
const std::string& Probe(Addon* addon);

}  // namespace ringsock::js
