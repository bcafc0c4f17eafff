#pragma once
/// Content hashing the way git does it, for values recorded by contributions.
#include <string>
#include <string_view>

namespace persona::git {

/// The git blob id (40 hex digits, SHA-1) of `data`, as `git hash-object --stdin` prints it.
std::string blob_id(std::string_view data);

}  // namespace persona::git
