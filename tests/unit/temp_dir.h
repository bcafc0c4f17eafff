#pragma once
/// A fresh directory under the system's temporary directory, removed with everything in it when
/// the test ends. Shared by the unit tests.
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

#include <doctest/doctest.h>

namespace persona::test {

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name = "persona-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (name + "-XXXXXX")).string();
    char* made = ::mkdtemp(tmpl.data());
    REQUIRE(made != nullptr);
    path = made;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace persona::test
