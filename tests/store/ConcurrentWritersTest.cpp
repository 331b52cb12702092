#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <thread>
#include <vector>

#include "StoreTestSupport.h"

namespace galaos::store::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kRounds = 100;

// One round: an audit row and a whole transaction with a step, each its own commit.
Status WriteRound(Store& store, const std::string& writer, int round) {
  TRY(store.AppendAudit(AuditEntry{.actor = writer,
                                   .request_id = writer + "-" + std::to_string(round),
                                   .action = "applyCodeUpdate",
                                   .input_json = "{}"}));
  const Transaction tx = TRY(store.CreateTransaction(
      NewTransaction{.type = TransactionType::kCode, .trigger = writer, .state = "Preflight"}));
  const std::int64_t step = TRY(store.BeginStep(tx.id, "build"));
  TRY(store.FinishStep(step, StepResult{.status = StepStatus::kSucceeded, .exit_code = 0}));
  return store.FinishTransaction(tx.id, Completion{.status = TransactionStatus::kSucceeded});
}

// The body of a forked writer: waits for the start signal (its end of the pipe closing),
// opens its own store and writes. Returns the process's exit code.
int WriterProcess(const fs::path& path, int start_fd, const std::string& writer) {
  char ignored = 0;
  if (::read(start_fd, &ignored, 1) != 0) return 3;
  auto store = OpenSqliteStore(path, core::SystemClock::Instance());
  if (!store) {
    std::fprintf(stderr, "%s: %s\n", writer.c_str(), store.error().message().c_str());
    return 1;
  }
  for (int round = 0; round < kRounds; ++round) {
    if (Status written = WriteRound(**store, writer, round); !written) {
      std::fprintf(stderr, "%s round %d: %s\n", writer.c_str(), round,
                   written.error().message().c_str());
      return 2;
    }
  }
  return 0;
}

void ExpectEveryRowAndAnIntactChain(const fs::path& path, const std::vector<std::string>& writers) {
  core::TestClock clock(kStart);
  auto store = OpenOrDie(path, clock);
  ASSERT_NE(store, nullptr);
  const std::size_t total = writers.size() * kRounds;

  ASSERT_OK_AND_ASSIGN(auto audit, store->ListAudit({.limit = 10000}));
  ASSERT_EQ(audit.size(), total);
  std::map<std::string, int> per_writer;
  for (const AuditRecord& row : audit) ++per_writer[row.entry.actor];
  for (const std::string& writer : writers) EXPECT_EQ(per_writer[writer], kRounds) << writer;

  ASSERT_OK_AND_ASSIGN(AuditVerification verification, store->VerifyAuditLog());
  EXPECT_TRUE(verification.ok()) << verification.Describe();
  EXPECT_EQ(verification.rows_checked, static_cast<std::int64_t>(total));

  ASSERT_OK_AND_ASSIGN(auto transactions, store->ListTransactions({.limit = 1000}));
  ASSERT_EQ(transactions.size(), total);
  for (const Transaction& tx : transactions) {
    EXPECT_EQ(tx.status, TransactionStatus::kSucceeded) << tx.id;
    EXPECT_EQ(tx.steps.size(), 1u) << tx.id;
  }
  RawDb raw(path);
  EXPECT_EQ(raw.Text("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(raw.Int("SELECT count(DISTINCT id) FROM transactions"),
            static_cast<std::int64_t>(total));
}

TEST(ConcurrentWritersTest, TwoProcessesWritingAtOnceKeepEveryRowAndTheAuditChain) {
  auto dir = core::TempDir::Create("galaos-store-procs-");
  ASSERT_TRUE(dir);
  const fs::path path = dir->path() / "state.db";
  {
    core::TestClock clock(kStart);
    ASSERT_NE(OpenOrDie(path, clock), nullptr);  // schema first; no connection crosses fork()
  }
  int start[2];
  ASSERT_EQ(::pipe(start), 0);
  const std::vector<std::string> writers = {"writer-a", "writer-b"};
  std::vector<pid_t> children;
  for (const std::string& writer : writers) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(start[1]);
      ::_exit(WriterProcess(path, start[0], writer));
    }
    children.push_back(pid);
  }
  ::close(start[0]);
  ::close(start[1]);  // both writers start now

  for (const pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "writer process failed with status " << status << " (see its stderr)";
  }
  ExpectEveryRowAndAnIntactChain(path, writers);
}

TEST(ConcurrentWritersTest, ThreadsSharingOneStoreAreSerialized) {
  auto dir = core::TempDir::Create("galaos-store-threads-");
  ASSERT_TRUE(dir);
  const fs::path path = dir->path() / "state.db";
  const std::vector<std::string> writers = {"thread-a", "thread-b", "thread-c"};
  {
    auto store = OpenOrDie(path, core::SystemClock::Instance());
    ASSERT_NE(store, nullptr);
    std::vector<std::jthread> threads;
    std::vector<std::string> failures(writers.size());
    for (std::size_t i = 0; i < writers.size(); ++i) {
      threads.emplace_back([&, i] {
        for (int round = 0; round < kRounds; ++round) {
          if (Status written = WriteRound(*store, writers[i], round); !written) {
            failures[i] = written.error().message();
            return;
          }
        }
      });
    }
    threads.clear();  // joins
    for (const std::string& failure : failures) EXPECT_EQ(failure, "");
  }
  ExpectEveryRowAndAnIntactChain(path, writers);
}

}  // namespace
}  // namespace galaos::store::testing
