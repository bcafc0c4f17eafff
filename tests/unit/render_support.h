#pragma once
/// What the render and export unit tests share: the golden fixture library, the built-in
/// templates, a persona made in code, and a disk that fails on its n-th write.
#include <fstream>
#include <functional>

#include "core/error.h"
#include "library/library.h"
#include "render/export.h"
#include "render/templates.h"
#include "support.h"

namespace persona::test {

namespace fs = std::filesystem;

inline const fs::path kSource = PERSONA_SOURCE_DIR;
inline const fs::path kFixture = kSource / "tests/golden/export/library";
inline const fs::path kGolden = kSource / "tests/golden/export/expected";

inline void spit(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << data;
}

inline const Library& fixture() {
  static const Library lib = [] {
    LoadOptions o;
    o.now = "2026-11-28T00:00:00Z";
    o.jobs = 1;
    return load_library(kFixture, o);
  }();
  return lib;
}

inline const render::TemplateSet& builtin_templates() {
  static const render::TemplateLoad load = render::load_templates(std::nullopt);
  return load.templates;
}

inline Persona persona_with(std::string pid, std::string app, std::string category) {
  Persona p;
  p.pid = std::move(pid);
  p.app = std::move(app);
  p.category = std::move(category);
  p.name = "The " + p.app + " Tester";
  return p;
}

/// A disk that fails on its n-th write, like a full disk halfway through an export: the failing
/// write leaves half its bytes in its file (as a full disk does) before it gives up, and counts
/// how many writes it was asked for.
class FailingDisk : public render::Disk {
 public:
  explicit FailingDisk(int fail_at) : left_(fail_at) {}
  Written write(const fs::path& path, bool beside,
                const std::function<void(const render::Piece&)>& fill) override {
    ++writes;
    if (--left_ != 0) return render::Disk::write(path, beside, fill);
    std::string data;
    fill([&](std::string_view piece) { data += piece; });
    render::Disk::Written half = render::Disk::write(
        path, beside, [&](const render::Piece& put) { put(data.substr(0, data.size() / 2)); });
    fs::remove(half.path);  // what Disk::write does when its write fails
    throw io_error("cannot write " + path.filename().string() + ": No space left on device");
  }
  int writes = 0;

 private:
  int left_;
};

}  // namespace persona::test
