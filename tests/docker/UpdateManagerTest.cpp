// Docker updates as journaled transactions against the real engine and the local registry:
// a new image pushed under a container's tag ends up running in a container equal to the old
// one but for the image; failures, a pull that fails, a second update and a killed updater
// all leave the old containers running.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "docker/ManagedContainers.h"
#include "docker/UpdateFixture.h"
#include "store/UpdateLock.h"

namespace galaos::docker {
namespace {

using nlohmann::json;
using testing::ComparableInspect;
using testing::DockerCli;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using UpdateManagerTest = testing::UpdateFixture;

TEST_F(UpdateManagerTest, AnUpdatedContainerRunsTheNewImageWithItsWholeConfiguration) {
  const std::string reference = Reference("web");
  const std::string v1 = Image(reference, "v1\n");
  const std::string web = CreateWeb("web", reference);
  const std::string v2 = PushNewVersion(reference, "v2\n");
  const json before = Inspect(web);

  // A dry run finds the container through the image check and changes nothing.
  ASSERT_OK_AND_ASSIGN(const DockerUpdateResult plan, updater_->manager->Apply({.dry_run = true}));
  EXPECT_TRUE(plan.dry_run);
  ASSERT_EQ(plan.containers.size(), 1u);
  EXPECT_EQ(plan.containers[0].container, web);
  EXPECT_EQ(plan.containers[0].outcome, "planned");
  EXPECT_EQ(Inspect(web)["Id"], before["Id"]);

  std::vector<std::string> started;
  ASSERT_OK_AND_ASSIGN(const DockerUpdateResult result,
                       updater_->manager->Apply({}, [&](const core::ProgressEvent& event) {
                         if (event.kind == core::ProgressEvent::Kind::kStepStarted) {
                           started.push_back(event.step);
                         }
                       }));
  EXPECT_TRUE(result.success) << ToJson(result).dump(1);
  EXPECT_EQ(result.final_state, "Succeeded");
  ASSERT_EQ(result.containers.size(), 1u);
  const ContainerUpdate& update = result.containers[0];
  EXPECT_EQ(update.outcome, "updated");
  EXPECT_EQ(update.previous_image_id, v1);
  EXPECT_EQ(update.new_image_id, v2);
  EXPECT_EQ(ToJson(result)["updated"], json::array({web}));
  EXPECT_THAT(started, ElementsAre("preflight", "pull", "tag", "recreate " + web, "commit"));

  const json after = Inspect(web);
  EXPECT_NE(after["Id"], before["Id"]);
  EXPECT_EQ(after["Image"], v2);
  EXPECT_EQ(after["Config"]["Image"], reference);
  EXPECT_TRUE(after["State"]["Running"].get<bool>());
  EXPECT_EQ(ComparableInspect(after), ComparableInspect(before))
      << json::diff(ComparableInspect(before), ComparableInspect(after)).dump(1);
  ExpectNoRecoveryContainer(web);

  // The previous image stays under its rollback tag.
  ASSERT_THAT(update.rollback_tag, ::testing::StartsWith(RollbackRepository(web) + ":"));
  resources_.Image(update.rollback_tag);
  EXPECT_EQ(ImageId(update.rollback_tag), v1);

  const store::Transaction journal = Journal(result.transaction_id);
  EXPECT_EQ(journal.type, store::TransactionType::kDocker);
  EXPECT_EQ(journal.status, store::TransactionStatus::kSucceeded);
  EXPECT_THAT(StepNames(journal),
              ElementsAre("preflight", "pull", "tag", "recreate " + web, "commit"));

  // Nothing newer now: a success without a transaction.
  ASSERT_OK_AND_ASSIGN(const DockerUpdateResult again, updater_->manager->Apply({}));
  EXPECT_TRUE(again.success);
  EXPECT_TRUE(again.containers.empty());
  EXPECT_TRUE(again.transaction_id.empty());
}

TEST_F(UpdateManagerTest, AnUnhealthyNewImageBringsTheOldContainerBackWithItsId) {
  const std::string reference = Reference("web");
  Image(reference, "v1\n");
  const std::string web = CreateWeb("web", reference);
  PushNewVersion(reference, "");  // no index.html: the health check gets 404
  const json before = Inspect(web);

  ASSERT_OK_AND_ASSIGN(const DockerUpdateResult result, updater_->manager->Apply(Named({web})));
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.final_state, "RolledBack");
  EXPECT_EQ(result.failed_container, web);
  ASSERT_EQ(result.containers.size(), 1u);
  EXPECT_EQ(result.containers[0].outcome, "failed");
  EXPECT_THAT(result.containers[0].error, HasSubstr("not healthy"));
  EXPECT_EQ(ToJson(result)["failed"], json::array({web}));
  resources_.Image(result.containers[0].rollback_tag);

  const json after = Inspect(web);
  EXPECT_EQ(after["Id"], before["Id"]);
  EXPECT_TRUE(after["State"]["Running"].get<bool>());
  EXPECT_EQ(ComparableInspect(after), ComparableInspect(before));
  ExpectNoRecoveryContainer(web);
  EXPECT_EQ(Journal(result.transaction_id).status, store::TransactionStatus::kRolledBack);
}

TEST_F(UpdateManagerTest, DependentContainersAreRecreatedInOrderAndRolledBackTogether) {
  const std::string db_image = Reference("db");
  const std::string web_image = Reference("web");
  Image(db_image, "db1\n");
  Image(web_image, "web1\n");
  const std::map<std::string, std::string> project = {{std::string(kComposeProjectLabel), prefix_}};
  auto web_labels = project;
  web_labels[std::string(kComposeServiceLabel)] = "web";
  web_labels[std::string(kComposeDependsOnLabel)] = "db:service_started:false";
  auto db_labels = project;
  db_labels[std::string(kComposeServiceLabel)] = "db";
  // Named web first: the dependency still goes first.
  const std::string web = CreateWeb("web", web_image, web_labels);
  const std::string db = CreateWeb("db", db_image, db_labels);
  PushNewVersion(db_image, "db2\n");
  PushNewVersion(web_image, "web2\n");

  ASSERT_OK_AND_ASSIGN(const DockerUpdateResult updated,
                       updater_->manager->Apply(Named({web, db})));
  EXPECT_TRUE(updated.success) << ToJson(updated).dump(1);
  EXPECT_THAT(
      StepNames(Journal(updated.transaction_id)),
      ElementsAre("preflight", "pull", "tag", "recreate " + db, "recreate " + web, "commit"));
  for (const ContainerUpdate& u : updated.containers) resources_.Image(u.rollback_tag);

  // The web's next image is broken: the db, recreated first, is rolled back too.
  const json db_before = Inspect(db);
  const json web_before = Inspect(web);
  PushNewVersion(db_image, "db3\n");
  PushNewVersion(web_image, "");
  ASSERT_OK_AND_ASSIGN(const DockerUpdateResult failed, updater_->manager->Apply(Named({web, db})));
  for (const ContainerUpdate& u : failed.containers) resources_.Image(u.rollback_tag);
  EXPECT_FALSE(failed.success);
  EXPECT_EQ(failed.final_state, "RolledBack");
  EXPECT_EQ(failed.failed_container, web);
  EXPECT_THAT(StepNames(Journal(failed.transaction_id)),
              ElementsAre("preflight", "pull", "tag", "recreate " + db, "recreate " + web,
                          "rollback " + db));
  ASSERT_EQ(failed.containers.size(), 2u);
  EXPECT_EQ(failed.containers[0].outcome, "rolled back");
  EXPECT_EQ(failed.containers[1].outcome, "failed");
  for (const auto& [name, before] : {std::pair{db, db_before}, std::pair{web, web_before}}) {
    const json after = Inspect(name);
    EXPECT_EQ(after["Id"], before["Id"]) << name;
    EXPECT_TRUE(after["State"]["Running"].get<bool>()) << name;
    EXPECT_EQ(after["HostConfig"]["RestartPolicy"], before["HostConfig"]["RestartPolicy"]);
    ExpectNoRecoveryContainer(name);
  }
}

TEST_F(UpdateManagerTest, APullThatFailsChangesNothing) {
  // Never pushed: the registry does not know the tag.
  const std::string reference = Reference("unpublished");
  const std::string v1 = Image(reference, "v1\n", /*push=*/false);
  const std::string web = CreateWeb("web", reference);
  const json before = Inspect(web);

  ASSERT_OK_AND_ASSIGN(const DockerUpdateResult result, updater_->manager->Apply(Named({web})));
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.final_state, "Failed");
  EXPECT_EQ(result.failed_container, web);
  ASSERT_EQ(result.containers.size(), 1u);
  EXPECT_EQ(result.containers[0].outcome, "not touched");
  EXPECT_TRUE(result.containers[0].rollback_tag.empty());
  ASSERT_FALSE(result.errors.empty());
  EXPECT_THAT(result.errors[0], HasSubstr("pull"));

  const json after = Inspect(web);
  EXPECT_EQ(after["Id"], before["Id"]);
  EXPECT_TRUE(after["State"]["Running"].get<bool>());
  EXPECT_EQ(ComparableInspect(after), ComparableInspect(before));
  EXPECT_EQ(ImageId(reference), v1);
  ExpectNoRecoveryContainer(web);
  const store::Transaction journal = Journal(result.transaction_id);
  EXPECT_EQ(journal.status, store::TransactionStatus::kFailed);
  EXPECT_THAT(StepNames(journal), ElementsAre("preflight", "pull"));
}

TEST_F(UpdateManagerTest, AnUpdateWhileAnotherTransactionRunsIsAConflictNamingIt) {
  const std::string reference = Reference("web");
  Image(reference, "v1\n");
  const std::string web = CreateWeb("web", reference);
  // What a code update in progress holds.
  ASSERT_OK_AND_ASSIGN(const core::FileLock lock,
                       store::AcquireUpdateLock(config_.state.dir, "update tx-running-1"));
  const auto refused = updater_->manager->Apply(Named({web}));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kConflict);
  EXPECT_THAT(refused.error().message(), HasSubstr("tx-running-1"));
  EXPECT_ERROR_CODE(updater_->manager->Recover(), ErrorCode::kConflict);
}

TEST_F(UpdateManagerTest, BadNamesAreRefusedBeforeAnything) {
  EXPECT_ERROR_CODE(updater_->manager->Apply(Named({"web; rm -rf /"})),
                    ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(updater_->manager->Apply(Named({prefix_ + "-nothing"})), ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(const auto transactions, updater_->store->ListTransactions({}));
  EXPECT_TRUE(transactions.empty());
}

class KilledUpdateTest : public UpdateManagerTest,
                         public ::testing::WithParamInterface<RecreateState> {};

TEST_P(KilledUpdateTest, RecoverPutsTheOldContainerBackRunning) {
  const std::string reference = Reference("web");
  Image(reference, "v1\n");
  const std::string web = CreateWeb("web", reference);
  PushNewVersion(reference, "v2\n");
  const json before = Inspect(web);

  ASSERT_EQ(testing::RunAndDieAt(config_, web, GetParam()), 137);
  ASSERT_OK_AND_ASSIGN(const auto unfinished, updater_->store->ListUnfinishedTransactions());
  ASSERT_EQ(unfinished.size(), 1u);
  EXPECT_EQ(unfinished[0].type, store::TransactionType::kDocker);
  EXPECT_EQ(unfinished[0].state, "Recreate");
  const json journal = json::parse(unfinished[0].state_json);
  resources_.Image(journal["containers"][0]["rollbackTag"]);
  EXPECT_EQ(journal["containers"][0]["plan"]["state"], RecreateStateName(GetParam()));

  ASSERT_OK_AND_ASSIGN(const std::vector<DockerUpdateResult> recovered,
                       updater_->manager->Recover());
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_EQ(recovered[0].final_state, "RolledBack") << ToJson(recovered[0]).dump(1);
  EXPECT_EQ(recovered[0].transaction_id, unfinished[0].id);
  EXPECT_EQ(Journal(unfinished[0].id).status, store::TransactionStatus::kRolledBack);

  const json after = Inspect(web);
  EXPECT_EQ(after["Id"], before["Id"]);
  EXPECT_TRUE(after["State"]["Running"].get<bool>());
  EXPECT_EQ(ComparableInspect(after), ComparableInspect(before));
  ExpectNoRecoveryContainer(web);
  // Healthy again. Polled: WaitHealthy would take the stop of the interrupted update, moments
  // ago, for a death of the container.
  bool healthy = false;
  for (int i = 0; i < 600 && !healthy; ++i) {
    healthy = Inspect(web)["State"]["Health"]["Status"] == "healthy";
    if (!healthy) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(healthy);

  // Recovered, the update goes through.
  ASSERT_OK_AND_ASSIGN(const DockerUpdateResult retried, updater_->manager->Apply(Named({web})));
  EXPECT_TRUE(retried.success) << ToJson(retried).dump(1);
  resources_.Image(retried.containers[0].rollback_tag);
}

INSTANTIATE_TEST_SUITE_P(States, KilledUpdateTest,
                         ::testing::Values(RecreateState::kOldStopped, RecreateState::kNewStarted,
                                           RecreateState::kNewHealthy),
                         [](const auto& info) {
                           return std::string(RecreateStateName(info.param));
                         });

}  // namespace
}  // namespace galaos::docker
