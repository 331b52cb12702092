#include <gtest/gtest.h>
#include <zlib.h>

#include "core/SharedLibrary.h"
#include "support/Assertions.h"

namespace galaos::core {
namespace {

// zlib: a C library this test does not link (the project's code never calls it directly).
TEST(SharedLibraryTest, BindsAFunctionThatCanBeCalled) {
  ASSERT_OK_AND_ASSIGN(const SharedLibrary zlib, SharedLibrary::Open("libz.so.1"));
  EXPECT_EQ(zlib.soname(), "libz.so.1");
  decltype(&::zlibVersion) version = nullptr;
  ASSERT_OK(zlib.Bind(version, "zlibVersion"));
  ASSERT_NE(version, nullptr);
  EXPECT_EQ(std::string(version()).substr(0, 2), "1.");
}

TEST(SharedLibraryTest, AMissingLibraryIsUnavailableAndNamed) {
  const auto missing = SharedLibrary::Open("libgalaos-no-such-library.so.7");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(missing.error().message().find("cannot load libgalaos-no-such-library.so.7"),
            std::string::npos)
      << missing.error().message();
}

TEST(SharedLibraryTest, AMissingSymbolIsUnavailableAndLeavesThePointerAlone) {
  ASSERT_OK_AND_ASSIGN(const SharedLibrary zlib, SharedLibrary::Open("libz.so.1"));
  decltype(&::zlibVersion) version = nullptr;
  const Status bound = zlib.Bind(version, "galaos_no_such_function");
  ASSERT_FALSE(bound.has_value());
  EXPECT_EQ(bound.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(bound.error().message().find("libz.so.1 has no galaos_no_such_function"),
            std::string::npos)
      << bound.error().message();
  EXPECT_EQ(version, nullptr);
}

}  // namespace
}  // namespace galaos::core
