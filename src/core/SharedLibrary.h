// SharedLibrary: a C library opened when first needed (dlopen) instead of linked, so that a
// process which never needs it never loads it. libcurl and libpq each bring a TLS stack,
// LDAP and Kerberos with them: loaded at start they were a quarter of the idle daemon's
// memory (docs/BENCHMARKS.md). Only for C libraries with a long-stable soname; their headers
// still give the types (`decltype(&function)` for the pointers). Never unloaded.
#pragma once

#include <string>
#include <string_view>

#include "core/Error.h"

namespace galaos::core {

class SharedLibrary {
 public:
  // kUnavailable with the loader's reason and `package`, the Debian package that installs it,
  // when it cannot be loaded. A failed load is not retried by the callers: the message says
  // to restart after installing.
  static Expected<SharedLibrary> Open(std::string soname, std::string_view package);

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
