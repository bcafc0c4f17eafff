#include "core/program_id.h"

#include <elf.h>
#include <link.h>
#include <sys/stat.h>

#include <cstring>

namespace persona {
namespace {

int find_build_id(struct dl_phdr_info* info, size_t, void* data) {
  auto* out = static_cast<std::string*>(data);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the loader gives the segment as an address
    const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
    const char* end = p + ph.p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      ElfW(Nhdr) nh;
      std::memcpy(&nh, p, sizeof nh);
      const char* name = p + sizeof nh;
      const char* desc = name + ((nh.n_namesz + 3) & ~3u);
      if (desc + nh.n_descsz > end) break;
      if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
        static const char* hex = "0123456789abcdef";
        for (std::size_t k = 0; k < nh.n_descsz; ++k) {
          unsigned char c = static_cast<unsigned char>(desc[k]);
          *out += hex[c >> 4];
          *out += hex[c & 15];
        }
        return 1;
      }
      p = desc + ((nh.n_descsz + 3) & ~3u);
    }
  }
  return 1;  // only the first object (the executable) is of interest
}

}  // namespace

const std::string& program_identity() {
  static const std::string id = [] {
    std::string note;
    dl_iterate_phdr(find_build_id, &note);
    if (!note.empty()) return "build-id " + note;
    struct stat st {};
    if (::stat("/proc/self/exe", &st) == 0) {
      return "exe " + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" +
             std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
             std::to_string(st.st_mtim.tv_nsec);
    }
    return std::string();  // unknown
  }();
  return id;
}

}  // namespace persona
