#include <gtest/gtest.h>

#include "api/Input.h"
#include "support/Assertions.h"

namespace galaos::api {
namespace {

using nlohmann::json;

TEST(InputReader, AbsentInputMeansEveryDefault) {
  json input;  // null: the request carried no input
  InputReader reader(input);
  EXPECT_FALSE(reader.Bool("skipBackup", false));
  EXPECT_EQ(reader.Int("limit", 20, 1, 100), 20);
  EXPECT_EQ(reader.OptionalString("branch"), std::nullopt);
  EXPECT_EQ(reader.Enum("updateType", {"code", "docker", "both"}, "code"), "code");
  ASSERT_OK(reader.Finish());
}

TEST(InputReader, ReadsPresentFields) {
  json input = json::parse(
      R"({"skipBackup":true,"limit":7,"branch":"main","updateType":"docker","containers":["a","b"]})");
  InputReader reader(input);
  EXPECT_TRUE(reader.Bool("skipBackup", false));
  EXPECT_EQ(reader.Int("limit", 20, 1, 100), 7);
  EXPECT_EQ(reader.OptionalString("branch"), "main");
  EXPECT_EQ(reader.Enum("updateType", {"code", "docker", "both"}), "docker");
  EXPECT_EQ(reader.OptionalStringArray("containers"), (std::vector<std::string>{"a", "b"}));
  ASSERT_OK(reader.Finish());
}

TEST(InputReader, JsonNullCountsAsAbsent) {
  json input = json::parse(R"({"branch":null})");
  InputReader reader(input);
  EXPECT_EQ(reader.OptionalString("branch"), std::nullopt);
  ASSERT_OK(reader.Finish());
}

TEST(InputReader, EveryProblemIsReportedWithItsField) {
  json input = json::parse(
      R"({"skipBackup":"yes","limit":0,"branch":3,"updateType":"all","containers":["a",1],"extra":1})");
  InputReader reader(input);
  reader.Bool("skipBackup", false);
  reader.Int("limit", 20, 1, 100);
  reader.OptionalString("branch");
  reader.Enum("updateType", {"code", "docker", "both"});
  reader.OptionalStringArray("containers");
  Status status = reader.Finish();
  EXPECT_ERROR_CODE(status, ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.error().message(),
            "skipBackup: expected a boolean, got a string; limit: must be at least 1; "
            "branch: expected a string, got a number; updateType: expected one of code, docker, "
            "both, got \"all\"; containers[1]: expected a string, got a number; "
            "extra: unknown field");
}

TEST(InputReader, NumbersOutOfRangeOrNotIntegersAreRefused) {
  for (const char* text : {R"({"n":101})", R"({"n":1.5})", R"({"n":18446744073709551615})",
                           R"({"n":-9223372036854775808})", R"({"n":"5"})"}) {
    SCOPED_TRACE(text);
    json input = json::parse(text);
    InputReader reader(input);
    reader.Int("n", 1, 1, 100);
    EXPECT_ERROR_CODE(reader.Finish(), ErrorCode::kInvalidArgument);
  }
}

TEST(InputReader, RequiredFieldsMustBePresent) {
  json input = json::object();
  InputReader reader(input);
  reader.RequiredString("scheduleId");
  reader.Enum("updateType", {"code", "docker"});
  Status status = reader.Finish();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message(), "scheduleId: required; updateType: required");
}

TEST(InputReader, NestedObjectsReportTheirPath) {
  json input = json::parse(R"({"codeOptions":{"branch":5,"typo":true},"dockerOptions":3})");
  InputReader reader(input);
  InputReader& code = reader.Object("codeOptions");
  code.OptionalString("branch");
  reader.Object("dockerOptions");
  Status status = reader.Finish();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message(),
            "codeOptions.branch: expected a string, got a number; dockerOptions: expected an "
            "object, got a number; codeOptions.typo: unknown field");
}

TEST(InputReader, InputThatIsNotAnObjectIsRefused) {
  json input = json::parse("[1,2]");
  InputReader reader(input);
  EXPECT_EQ(reader.Int("limit", 20, 1, 100), 20);
  Status status = reader.Finish();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message(), "input: expected an object, got an array");
}

}  // namespace
}  // namespace galaos::api
