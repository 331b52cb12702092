#include <gtest/gtest.h>
#include <sqlite3.h>

#include "core/SharedLibrary.h"
#include "support/Assertions.h"

namespace galaos::core {
namespace {

// SQLite: a C library of the project's (libsqlite3-dev), its header giving the types.
TEST(SharedLibraryTest, BindsAFunctionThatCanBeCalled) {
  ASSERT_OK_AND_ASSIGN(const SharedLibrary sqlite,
                       SharedLibrary::Open("libsqlite3.so.0", "libsqlite3-0"));
  EXPECT_EQ(sqlite.soname(), "libsqlite3.so.0");
  decltype(&::sqlite3_libversion) version = nullptr;
  ASSERT_OK(sqlite.Bind(version, "sqlite3_libversion"));
  ASSERT_NE(version, nullptr);
  EXPECT_EQ(std::string(version()).substr(0, 2), "3.");
}

TEST(SharedLibraryTest, AMissingLibraryIsUnavailableAndNamed) {
  const auto missing = SharedLibrary::Open("libgalaos-no-such-library.so.7", "galaos-nothing");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(missing.error().message().find("cannot load libgalaos-no-such-library.so.7"),
            std::string::npos)
      << missing.error().message();
  EXPECT_NE(missing.error().message().find("install the package galaos-nothing, then restart"),
            std::string::npos)
      << missing.error().message();
}

TEST(SharedLibraryTest, AMissingSymbolIsUnavailableAndLeavesThePointerAlone) {
  ASSERT_OK_AND_ASSIGN(const SharedLibrary sqlite,
                       SharedLibrary::Open("libsqlite3.so.0", "libsqlite3-0"));
  decltype(&::sqlite3_libversion) version = nullptr;
  const Status bound = sqlite.Bind(version, "galaos_no_such_function");
  ASSERT_FALSE(bound.has_value());
  EXPECT_EQ(bound.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(bound.error().message().find("libsqlite3.so.0 has no galaos_no_such_function"),
            std::string::npos)
      << bound.error().message();
  EXPECT_EQ(version, nullptr);
}

}  // namespace
}  // namespace galaos::core
