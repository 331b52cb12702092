#include <gtest/gtest.h>

#include <string>

#include "StoreTestSupport.h"
#include "store/Records.h"

namespace galaos::store::testing {
namespace {

TEST(RecordsTest, EveryEnumNameParsesBack) {
  for (auto value :
       {TransactionStatus::kPending, TransactionStatus::kRunning, TransactionStatus::kRollingBack,
        TransactionStatus::kSucceeded, TransactionStatus::kFailed, TransactionStatus::kRolledBack,
        TransactionStatus::kRollbackFailed}) {
    ASSERT_OK_AND_ASSIGN(TransactionStatus parsed, ParseTransactionStatus(Name(value)));
    EXPECT_EQ(parsed, value) << Name(value);
  }
  for (auto value : {TransactionType::kCode, TransactionType::kDocker, TransactionType::kFull,
                     TransactionType::kRollback}) {
    ASSERT_OK_AND_ASSIGN(TransactionType parsed, ParseTransactionType(Name(value)));
    EXPECT_EQ(parsed, value) << Name(value);
  }
  for (auto value :
       {ScheduleUpdateType::kCode, ScheduleUpdateType::kDocker, ScheduleUpdateType::kBoth}) {
    ASSERT_OK_AND_ASSIGN(ScheduleUpdateType parsed, ParseScheduleUpdateType(Name(value)));
    EXPECT_EQ(parsed, value) << Name(value);
  }
  EXPECT_EQ(Name(TransactionStatus::kRollbackFailed), "rollback_failed");
  EXPECT_EQ(Name(TokenRole::kViewer), "viewer");
}

TEST(RecordsTest, UnknownNameIsAnInvalidArgumentListingTheAcceptedOnes) {
  auto parsed = ParseTokenRole("root");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(parsed.error().message(), "unknown token role 'root' (expected admin, viewer)");
}

TEST(RecordsTest, OnlyEndingStatusesAreTerminal) {
  EXPECT_FALSE(IsTerminal(TransactionStatus::kPending));
  EXPECT_FALSE(IsTerminal(TransactionStatus::kRunning));
  EXPECT_FALSE(IsTerminal(TransactionStatus::kRollingBack));
  EXPECT_TRUE(IsTerminal(TransactionStatus::kSucceeded));
  EXPECT_TRUE(IsTerminal(TransactionStatus::kFailed));
  EXPECT_TRUE(IsTerminal(TransactionStatus::kRolledBack));
  EXPECT_TRUE(IsTerminal(TransactionStatus::kRollbackFailed));
}

TEST(Utf8TailTest, KeepsTheEndOfLongText) {
  EXPECT_EQ(Utf8Tail("0123456789", 4), "6789");
  EXPECT_EQ(Utf8Tail("short", 100), "short");
}

TEST(Utf8TailTest, NeverStartsInsideACharacter) {
  // "é" is 2 bytes, "€" 3: a 4-byte cut lands inside "€" and drops its remainder.
  EXPECT_EQ(Utf8Tail("aé€x", 4), "€x");
  EXPECT_EQ(Utf8Tail("aé€x", 3), "x");
}

TEST(Utf8TailTest, ReplacesInvalidBytesOneForOne) {
  EXPECT_EQ(Utf8Tail("ok\xff\xfe.", 100), "ok??.");
  EXPECT_EQ(Utf8Tail("\xc0\xaf", 100), "??");                        // overlong encoding of '/'
  EXPECT_EQ(Utf8Tail("\xed\xa0\x80", 100), "???");                   // UTF-16 surrogate
  EXPECT_EQ(Utf8Tail("\xf4\x90\x80\x80", 100), "????");              // above U+10FFFF
  EXPECT_EQ(Utf8Tail("end\xe2\x82", 100), "end??");                  // truncated sequence
  EXPECT_EQ(Utf8Tail("\xf0\x9f\x98\x80", 100), "\xf0\x9f\x98\x80");  // U+1F600 is kept
}

}  // namespace
}  // namespace galaos::store::testing
