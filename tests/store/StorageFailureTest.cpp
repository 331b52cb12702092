// Real storage failures under a live store, no hooks in the store code:
// - read-only mid-way: the immutable attribute (chattr +i) on the database directory and
//   files. A read-only remount is impossible while SQLite holds the file open for writing
//   (the kernel answers EBUSY), whereas the immutable attribute makes every later write
//   through the already-open descriptors fail (EPERM), as a file system turning read-only
//   under a running daemon does (EROFS) — and it can be undone, so the test can check what
//   was left on disk and that the store recovers.
// - full disk: a small tmpfs mounted for the test.
// Both need root (CAP_LINUX_IMMUTABLE, CAP_SYS_ADMIN); without it they skip, saying why.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ranges>
#include <string>
#include <vector>

#include "StoreTestSupport.h"

namespace galaos::store::testing {
namespace {

namespace fs = std::filesystem;

// Sets or clears the immutable attribute of `path`; returns 0 or the errno.
int SetImmutable(const fs::path& path, bool immutable) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return errno;
  int flags = 0;
  int err = 0;
  if (::ioctl(fd, FS_IOC_GETFLAGS, &flags) != 0) {
    err = errno;
  } else {
    flags = immutable ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
    if (::ioctl(fd, FS_IOC_SETFLAGS, &flags) != 0) err = errno;
  }
  ::close(fd);
  return err;
}

// Makes paths immutable; undoes it on Clear() or destruction, so TempDir can remove them.
class ImmutableGuard {
 public:
  ImmutableGuard() = default;
  ImmutableGuard(const ImmutableGuard&) = delete;
  ImmutableGuard& operator=(const ImmutableGuard&) = delete;
  ~ImmutableGuard() { Clear(); }

  int Add(const fs::path& path) {
    const int err = SetImmutable(path, true);
    if (err == 0) paths_.push_back(path);
    return err;
  }
  void Clear() {
    for (const fs::path& path : paths_ | std::views::reverse) {
      EXPECT_EQ(SetImmutable(path, false), 0) << "cannot clear the immutable flag of " << path;
    }
    paths_.clear();
  }

 private:
  std::vector<fs::path> paths_;
};

class MountGuard {
 public:
  explicit MountGuard(fs::path target) : target_(std::move(target)) {}
  MountGuard(const MountGuard&) = delete;
  MountGuard& operator=(const MountGuard&) = delete;
  ~MountGuard() { EXPECT_EQ(::umount2(target_.c_str(), MNT_DETACH), 0) << std::strerror(errno); }

 private:
  fs::path target_;
};

AuditEntry Audit(std::string action) {
  return AuditEntry{.actor = "admin", .action = std::move(action), .input_json = "{}"};
}

// One update's worth of rows in one database transaction: a transaction with a step, an audit
// row and a notification.
Status RecordWholeUpdate(Store& store, const std::string& id, const std::string& output) {
  return store.WithTransaction([&](Store& s) -> Status {
    TRY(s.CreateTransaction(
        NewTransaction{.id = id, .type = TransactionType::kCode, .state = "Preflight"}));
    const std::int64_t step = TRY(s.BeginStep(id, "backup"));
    TRY(s.FinishStep(
        step, StepResult{.status = StepStatus::kSucceeded, .exit_code = 0, .output_tail = output}));
    TRY(s.AppendAudit(Audit("applyCodeUpdate")));
    TRY(s.EnqueueNotification(NewNotification{
        .event_type = "update_completed", .payload_json = "{}", .sink = "webhook"}));
    TRY(s.FinishTransaction(id, Completion{.status = TransactionStatus::kSucceeded}));
    return {};
  });
}

TEST(StorageFailureTest, StorageTurningReadOnlyMidwayFailsClearlyAndLeavesNoPartialRows) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to set the immutable attribute";
  // Under the build directory: /tmp may be a tmpfs without the immutable attribute.
  auto dir = core::TempDir::Create("galaos-store-ro-", GALAOS_BINARY_DIR);
  ASSERT_TRUE(dir) << dir.error().message();
  const fs::path path = dir->path() / "state.db";
  core::TestClock clock(kStart);
  auto store = OpenOrDie(path, clock);
  ASSERT_NE(store, nullptr);
  ASSERT_OK(RecordWholeUpdate(*store, "tx-before", "ok"));
  ASSERT_TRUE(fs::exists(path.string() + "-wal"));

  ImmutableGuard read_only;
  for (const fs::path& p : {fs::path(path.string() + "-wal"), path, dir->path()}) {
    if (const int err = read_only.Add(p); err != 0) {
      GTEST_SKIP() << "the file system of " << p
                   << " does not support the immutable attribute: " << std::strerror(err);
    }
  }

  Status whole = RecordWholeUpdate(*store, "tx-during", std::string(10000, 'o'));
  ASSERT_FALSE(whole);
  EXPECT_EQ(whole.error().code(), ErrorCode::kIo);
  const std::string& message = whole.error().message();
  EXPECT_NE(message.find("disk I/O error on " + path.string() +
                         " (the database file is not writable: Operation not permitted)"),
            std::string::npos)
      << message;

  EXPECT_ERROR_CODE(store->AppendAudit(Audit("rollback")), ErrorCode::kIo);
  EXPECT_ERROR_CODE(store->CreateTransaction(NewTransaction{.id = "tx-single", .state = "P"}),
                    ErrorCode::kIo);
  EXPECT_ERROR_CODE(store->SetMeta("k", "v"), ErrorCode::kIo);

  // The live connection still reads, and sees only what was committed before.
  ASSERT_OK_AND_ASSIGN(auto transactions, store->ListTransactions({.limit = 10}));
  ASSERT_EQ(transactions.size(), 1u);
  EXPECT_EQ(transactions[0].id, "tx-before");
  EXPECT_EQ(transactions[0].steps.size(), 1u);
  ASSERT_OK_AND_ASSIGN(AuditVerification during, store->VerifyAuditLog());
  EXPECT_TRUE(during.ok()) << during.Describe();
  EXPECT_EQ(during.rows_checked, 1);

  read_only.Clear();

  // Writable again: the same store carries on, and the chain continues from the last row.
  ASSERT_OK(RecordWholeUpdate(*store, "tx-after", "ok"));
  ASSERT_OK_AND_ASSIGN(AuditVerification after, store->VerifyAuditLog());
  EXPECT_TRUE(after.ok()) << after.Describe();
  EXPECT_EQ(after.rows_checked, 2);

  RawDb raw(path);
  EXPECT_EQ(raw.Text("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(raw.Text("SELECT group_concat(id, ',') FROM (SELECT id FROM transactions ORDER BY id)"),
            "tx-after,tx-before");
  EXPECT_EQ(raw.Int("SELECT count(*) FROM steps"), 2);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM outbox"), 2);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM meta"), 0);
}

TEST(StorageFailureTest, FullDiskFailsClearlyAndLeavesNoPartialRows) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs";
  auto dir = core::TempDir::Create("galaos-store-full-");
  ASSERT_TRUE(dir) << dir.error().message();
  const fs::path mountpoint = dir->path() / "mnt";
  fs::create_directory(mountpoint);
  if (::mount("tmpfs", mountpoint.c_str(), "tmpfs", 0, "size=1m,mode=0700") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs: " << std::strerror(errno);
  }
  MountGuard unmount(mountpoint);
  const fs::path path = mountpoint / "state.db";
  core::TestClock clock(kStart);
  auto store = OpenOrDie(path, clock);
  ASSERT_NE(store, nullptr);

  const std::string output(kMaxOutputTailBytes, 'o');
  int committed = 0;
  Status last;
  for (; committed < 1000; ++committed) {
    last = RecordWholeUpdate(*store, "tx-" + std::to_string(committed), output);
    if (!last) break;
  }
  ASSERT_FALSE(last) << "1 MiB never filled up";
  EXPECT_GT(committed, 0);
  EXPECT_EQ(last.error().code(), ErrorCode::kIo);
  EXPECT_NE(last.error().message().find("database or disk is full"), std::string::npos)
      << last.error().message();

  ASSERT_OK_AND_ASSIGN(auto transactions, store->ListTransactions({.limit = 1000}));
  EXPECT_EQ(static_cast<int>(transactions.size()), committed);
  for (const Transaction& tx : transactions) {
    EXPECT_EQ(tx.status, TransactionStatus::kSucceeded) << tx.id;
    ASSERT_EQ(tx.steps.size(), 1u) << tx.id;
    EXPECT_EQ(tx.steps[0].output_tail, output) << tx.id;
  }
  ASSERT_OK_AND_ASSIGN(AuditVerification verification, store->VerifyAuditLog());
  EXPECT_TRUE(verification.ok()) << verification.Describe();
  EXPECT_EQ(verification.rows_checked, committed);
  RawDb raw(path);
  EXPECT_EQ(raw.Text("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(raw.Int("SELECT count(*) FROM steps"), committed);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM outbox"), committed);
}

}  // namespace
}  // namespace galaos::store::testing
