// SharedLibrary: a C library opened when first needed (dlopen) instead of linked, so that a
// process which never needs it never loads it. libcurl and libpq each bring a TLS stack,
// LDAP and Kerberos with them: loaded at start they were a quarter of the idle daemon's
// memory (docs/BENCHMARKS.md). Only for C libraries with a long-stable soname; their headers
// still give the types (`decltype(&function)` for the pointers). Never unloaded.
#pragma once

#include <string>

#include "core/Error.h"

namespace galaos::core {

class SharedLibrary {
 public:
  // kUnavailable naming the library and the loader's reason when it cannot be loaded.
  static Expected<SharedLibrary> Open(std::string soname);

  // Points `function` at the library's `name`; kUnavailable when it has no such symbol.
  template <typename Function>
  Status Bind(Function*& function, const char* name) const {
    void* const address = TRY(Find(name));
    function = reinterpret_cast<Function*>(address);
    return {};
  }

  const std::string& soname() const { return soname_; }

 private:
  SharedLibrary(void* handle, std::string soname) : handle_(handle), soname_(std::move(soname)) {}
  Expected<void*> Find(const char* name) const;

  void* handle_;
  std::string soname_;
};

}  // namespace galaos::core
