#pragma once
/// What the libFuzzer targets share: the input as text, and how a broken property is reported
/// (a message on stderr, then abort(), which libFuzzer saves as a crash with its input).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace persona::fuzz {

inline std::string text_of(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

[[noreturn]] inline void violated(std::string_view property, std::string_view detail = {}) {
  std::fprintf(stderr, "\nproperty violated: %.*s\n", static_cast<int>(property.size()),
               property.data());
  if (!detail.empty())
    std::fprintf(stderr, "%.*s\n", static_cast<int>(detail.size() > 4000 ? 4000 : detail.size()),
                 detail.data());
  std::abort();
}

}  // namespace persona::fuzz
