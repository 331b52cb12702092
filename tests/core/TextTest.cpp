#include <gtest/gtest.h>

#include "core/Text.h"

namespace galaos::core {
namespace {

TEST(Text, TrimRemovesAsciiWhitespaceAtBothEnds) {
  EXPECT_EQ(Trim(" \t\r\n value \r\n"), "value");
  EXPECT_EQ(Trim("a b"), "a b");
  EXPECT_EQ(Trim("   "), "");
}

TEST(Text, AsciiLowerLeavesOtherBytesAlone) {
  EXPECT_EQ(AsciiLower("WWW-Authenticate"), "www-authenticate");
  EXPECT_EQ(AsciiLower("\xC3\x89T\xC3\x89"), "\xC3\x89t\xC3\x89");
}

}  // namespace
}  // namespace galaos::core
