#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/Error.h"

namespace galaos {
namespace {

Expected<int> ParsePositive(int value) {
  if (value <= 0) return MakeError(ErrorCode::kInvalidArgument, "not positive");
  return value;
}

Expected<int> DoubleViaTry(int value) {
  int parsed = TRY(ParsePositive(value));
  return parsed * 2;
}

Status Check(bool ok) {
  if (!ok) return MakeError(ErrorCode::kConflict, "locked");
  return {};
}

Expected<std::string> CheckViaTry(bool ok) {
  TRY(Check(ok));
  return std::string("checked");
}

TEST(ErrorTest, WithContextPrependsAndKeepsTheCode) {
  Error error(ErrorCode::kIo, "disk full");
  Error with_context = error.WithContext("writing state");
  EXPECT_EQ(with_context.code(), ErrorCode::kIo);
  EXPECT_EQ(with_context.message(), "writing state: disk full");
  EXPECT_EQ(error.message(), "disk full") << "the const& overload must not modify the original";
  Error chained = std::move(with_context).WithContext("update tx-1");
  EXPECT_EQ(chained.message(), "update tx-1: writing state: disk full");
}

TEST(ErrorTest, TryYieldsTheValueOnSuccess) {
  auto doubled = DoubleViaTry(21);
  ASSERT_TRUE(doubled.has_value());
  EXPECT_EQ(*doubled, 42);
}

TEST(ErrorTest, TryReturnsTheErrorUnchanged) {
  auto doubled = DoubleViaTry(-1);
  ASSERT_FALSE(doubled.has_value());
  EXPECT_EQ(doubled.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(doubled.error().message(), "not positive");
}

TEST(ErrorTest, TryWorksOnStatus) {
  EXPECT_EQ(CheckViaTry(true).value(), "checked");
  auto failed = CheckViaTry(false);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code(), ErrorCode::kConflict);
}

TEST(ErrorTest, WithContextOnAnExpectedPrependsOnlyOnFailure) {
  auto passed = WithContext(ParsePositive(5), "reading count");
  ASSERT_TRUE(passed.has_value());
  EXPECT_EQ(*passed, 5);
  auto failed = WithContext(ParsePositive(0), "reading count");
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().message(), "reading count: not positive");
  EXPECT_EQ(failed.error().code(), ErrorCode::kInvalidArgument);
}

TEST(ErrorTest, EveryCodeHasItsOwnName) {
  const ErrorCode codes[] = {
      ErrorCode::kFailed,   ErrorCode::kInvalidArgument, ErrorCode::kNotFound,
      ErrorCode::kConflict, ErrorCode::kUnauthorized,    ErrorCode::kForbidden,
      ErrorCode::kIo,       ErrorCode::kTimeout,         ErrorCode::kUnavailable,
      ErrorCode::kCorrupt,  ErrorCode::kCancelled,
  };
  std::set<std::string_view> names;
  for (ErrorCode code : codes) {
    std::string_view name = ErrorCodeName(code);
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
  }
  EXPECT_EQ(ErrorCodeName(ErrorCode::kConflict), "conflict");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kNotFound), "not_found");
}

}  // namespace
}  // namespace galaos
