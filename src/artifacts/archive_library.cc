#include "artifacts/archive_library.h"

#include <dlfcn.h>

namespace sluice {
namespace {

// The soname of libarchive 3.x, the ABI <archive.h> declares here.
static_assert(ARCHIVE_VERSION_NUMBER >= 3000000 && ARCHIVE_VERSION_NUMBER < 4000000,
              "libarchive's soname below is that of version 3");
constexpr const char* kLibraryName = "libarchive.so.13";

Error Unusable(const std::string& why) {
  return MakeError(ErrorCode::kUnavailable, kLibraryName,
                   "cannot load libarchive, which packs and unpacks tar.gz archives: " + why);
}

Result<const ArchiveLibrary*> Open() {
  // RTLD_LOCAL: its symbols (and those of the libraries it brings) are not seen by the rest.
  void* handle = dlopen(kLibraryName, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return Unusable(dlerror());
  static ArchiveLibrary library;
#define SLUICE_LIBARCHIVE_RESOLVE(name)                                     \
  library.name = reinterpret_cast<decltype(&::name)>(dlsym(handle, #name)); \
  if (library.name == nullptr) return Unusable("it has no function " #name);
  SLUICE_LIBARCHIVE_FUNCTIONS(SLUICE_LIBARCHIVE_RESOLVE)
#undef SLUICE_LIBARCHIVE_RESOLVE
  return &library;
}

}  // namespace

Result<const ArchiveLibrary*> OpenArchiveLibrary() {
  static const Result<const ArchiveLibrary*> opened = Open();
  return opened;
}

}  // namespace sluice
