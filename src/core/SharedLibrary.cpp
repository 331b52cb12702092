#include "core/SharedLibrary.h"

#include <dlfcn.h>
#include <fmt/format.h>

namespace galaos::core {

Expected<SharedLibrary> SharedLibrary::Open(std::string soname, std::string_view package) {
  // RTLD_LOCAL: its symbols serve only the pointers bound here.
  void* const handle = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* reason = dlerror();
    return MakeError(ErrorCode::kUnavailable,
                     fmt::format("cannot load {} ({}): install the package {}, then restart "
                                 "galaos-updater",
                                 soname, reason != nullptr ? reason : "unknown reason", package));
  }
  return SharedLibrary(handle, std::move(soname));
}

Expected<void*> SharedLibrary::Find(const char* name) const {
  dlerror();  // a symbol may legitimately be null: only dlerror tells a failure
  void* const address = dlsym(handle_, name);
  if (const char* reason = dlerror(); reason != nullptr) {
    return MakeError(ErrorCode::kUnavailable,
                     soname_ + " has no " + name + " (too old a version?): " + reason);
  }
  return address;
}

}  // namespace galaos::core
