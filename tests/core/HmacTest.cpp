// HMAC-SHA256 against the test vectors of RFC 4231, including a key longer than the block.
#include <gtest/gtest.h>
#include <sodium.h>

#include <string>

#include "core/Hmac.h"

namespace galaos::core {
namespace {

std::string Hex(const std::array<unsigned char, kHmacSha256Bytes>& mac) {
  std::string hex(2 * mac.size() + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
  hex.pop_back();
  return hex;
}

TEST(HmacTest, MatchesTheRfc4231TestVectors) {
  ASSERT_GE(sodium_init(), 0);
  EXPECT_EQ(Hex(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(Hex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(Hex(HmacSha256(std::string(131, '\xaa'),
                           "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

}  // namespace
}  // namespace galaos::core
