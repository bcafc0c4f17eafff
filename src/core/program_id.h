#pragma once
/// Identity of the running program, so results computed by one build (the validate cache, an
/// export's manifest) are never trusted by another.
#include <string>

namespace persona {

/// "build-id <hex>" from the executable's GNU build-id note, or, without one, "exe <dev:ino:
/// size:mtime>" of /proc/self/exe; "" when neither can be read (callers then trust nothing).
const std::string& program_identity();

}  // namespace persona
