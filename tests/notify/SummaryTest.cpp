#include <gtest/gtest.h>

#include "NotifyTestSupport.h"
#include "notify/Summary.h"
#include "support/Assertions.h"

namespace galaos::notify::testing {
namespace {

std::string Field(const Summary& summary, std::string_view label) {
  for (const auto& [key, value] : summary.fields) {
    if (key == label) return value;
  }
  return "<missing>";
}

TEST(SummaryTest, FailedUpdateTitleStatesTheRollbackAndTheDetailsHoldTheError) {
  UpdateFailed failed{.transaction_id = "tx-9",
                      .from_version = "1.2.0",
                      .to_version = "1.3.0",
                      .error = "health check api failed",
                      .failed_step = "verify",
                      .rollback = RollbackState::kRollbackFailed};
  ASSERT_OK_AND_ASSIGN(const Summary summary, Summarize(RowFor(failed, "slack")));
  EXPECT_EQ(summary.title, "Update failed: 1.2.0 → 1.3.0 (ROLLBACK FAILED)");
  EXPECT_EQ(Field(summary, "Failed step"), "verify");
  EXPECT_EQ(Field(summary, "Transaction"), "tx-9");
  EXPECT_EQ(Field(summary, "Event id"), "evt-0123456789abcdef01234567");
  EXPECT_EQ(summary.details, "health check api failed");

  failed.rollback = RollbackState::kRolledBack;
  ASSERT_OK_AND_ASSIGN(const Summary rolled_back, Summarize(RowFor(failed, "slack")));
  EXPECT_EQ(rolled_back.title, "Update failed: 1.2.0 → 1.3.0 (rolled back)");
}

TEST(SummaryTest, ContainerOnlyUpdateListsEachContainersDigests) {
  const UpdateAvailable available{.containers = {{.name = "web",
                                                  .image = "registry.local/web:1",
                                                  .current_digest = "sha256:aaa",
                                                  .latest_digest = "sha256:bbb"}}};
  ASSERT_OK_AND_ASSIGN(const Summary summary, Summarize(RowFor(available, "email")));
  EXPECT_EQ(summary.title, "Update available");
  EXPECT_EQ(Field(summary, "Container web"), "registry.local/web:1 sha256:aaa → sha256:bbb");
}

TEST(SummaryTest, PayloadThatIsNotAnEventIsCorrupt) {
  store::Notification row = RowFor(NotificationTest{}, "email");
  row.payload_json = "[1,2]";
  EXPECT_ERROR_CODE(Summarize(row), ErrorCode::kCorrupt);
}

TEST(EscapeEntitiesTest, HtmlEscapesQuotesTooSlackOnlyAmpersandAndAngleBrackets) {
  const std::string hostile = R"(<a href="x" title='y'>&amp;</a>)";
  EXPECT_EQ(EscapeEntities(hostile, /*quotes=*/true),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
  EXPECT_EQ(EscapeEntities(hostile, /*quotes=*/false),
            R"(&lt;a href="x" title='y'&gt;&amp;amp;&lt;/a&gt;)");
  EXPECT_EQ(EscapeEntities("Grüße → 1.3.0", true), "Grüße → 1.3.0");
}

}  // namespace
}  // namespace galaos::notify::testing
