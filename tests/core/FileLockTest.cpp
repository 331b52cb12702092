#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <string>

#include "core/AtomicFile.h"
#include "core/FileLock.h"
#include "core/TempDir.h"

namespace galaos::core {
namespace {

// Another process that takes the lock and holds it until it is killed.
class LockHolder {
 public:
  LockHolder(const std::filesystem::path& path, const std::string& description) {
    int ready[2];
    int hold[2];
    if (::pipe2(ready, O_CLOEXEC) != 0 || ::pipe2(hold, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ready[0]);
      ::close(hold[1]);
      auto lock = FileLock::TryAcquire(path, description);
      char status = lock.has_value() ? '1' : '0';
      if (::write(ready[1], &status, 1) != 1) ::_exit(2);
      char ignored;
      while (::read(hold[0], &ignored, 1) != 0) {  // returns 0 when the test closes its end
      }
      ::_exit(0);
    }
    ::close(ready[1]);
    ::close(hold[0]);
    hold_ = hold[1];
    char status = '0';
    acquired_ = pid_ > 0 && ::read(ready[0], &status, 1) == 1 && status == '1';
    ::close(ready[0]);
  }
  LockHolder(const LockHolder&) = delete;
  LockHolder& operator=(const LockHolder&) = delete;
  ~LockHolder() { Kill(); }

  bool acquired() const { return acquired_; }
  pid_t pid() const { return pid_; }

  // SIGKILL: the holder gets no chance to clear its record, as in a crash.
  void Kill() {
    if (hold_ >= 0) ::close(hold_);
    hold_ = -1;
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int hold_ = -1;
  bool acquired_ = false;
};

class FileLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("galaos-lock-test-");
    ASSERT_TRUE(dir.has_value()) << dir.error().message();
    dir_.emplace(std::move(*dir));
    path_ = dir_->path() / "update.lock";
  }
  const std::filesystem::path& path() const { return path_; }
  std::string Record() const { return ReadFile(path_).value_or("<unreadable>"); }

 private:
  std::optional<TempDir> dir_;
  std::filesystem::path path_;
};

TEST_F(FileLockTest, AcquireRecordsPidAndDescriptionInAPrivateFile) {
  auto lock = FileLock::TryAcquire(path(), "update tx-1");
  ASSERT_TRUE(lock.has_value()) << lock.error().message();
  EXPECT_EQ(Record(), std::to_string(::getpid()) + "\nupdate tx-1\n");
  EXPECT_FALSE(lock->stale_previous_owner().has_value());
  struct stat info {};
  ASSERT_EQ(::stat(path().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(FileLockTest, AcquireWhileAnotherProcessHoldsItIsConflictNamingTheHolder) {
  LockHolder holder(path(), "update tx-7");
  ASSERT_TRUE(holder.acquired());
  auto lock = FileLock::TryAcquire(path(), "second");
  ASSERT_FALSE(lock.has_value());
  EXPECT_EQ(lock.error().code(), ErrorCode::kConflict);
  EXPECT_NE(lock.error().message().find("locked by pid " + std::to_string(holder.pid()) +
                                        " (update tx-7)"),
            std::string::npos)
      << lock.error().message();
  EXPECT_EQ(Record(), std::to_string(holder.pid()) + "\nupdate tx-7\n") << "record clobbered";
}

TEST_F(FileLockTest, AcquireAfterTheHolderWasKilledSucceedsAndReportsTheStaleOwner) {
  LockHolder holder(path(), "update tx-8");
  ASSERT_TRUE(holder.acquired());
  pid_t dead = holder.pid();
  holder.Kill();
  auto lock = FileLock::TryAcquire(path(), "update tx-9");
  ASSERT_TRUE(lock.has_value()) << lock.error().message();
  ASSERT_TRUE(lock->stale_previous_owner().has_value());
  EXPECT_EQ(lock->stale_previous_owner()->pid, dead);
  EXPECT_EQ(lock->stale_previous_owner()->description, "update tx-8");
  EXPECT_EQ(Record(), std::to_string(::getpid()) + "\nupdate tx-9\n");
}

TEST_F(FileLockTest, InspectShowsHeldWhileTheHolderLivesAndStaleAfterItDies) {
  auto none = FileLock::Inspect(path());
  ASSERT_TRUE(none.has_value()) << none.error().message();
  EXPECT_FALSE(none->owner.has_value());
  EXPECT_FALSE(none->held);

  LockHolder holder(path(), "update tx-3");
  ASSERT_TRUE(holder.acquired());
  pid_t holder_pid = holder.pid();
  auto held = FileLock::Inspect(path());
  ASSERT_TRUE(held.has_value()) << held.error().message();
  EXPECT_TRUE(held->held);
  ASSERT_TRUE(held->owner.has_value());
  EXPECT_EQ(held->owner->pid, holder_pid);
  EXPECT_EQ(held->owner->description, "update tx-3");

  holder.Kill();
  auto stale = FileLock::Inspect(path());
  ASSERT_TRUE(stale.has_value()) << stale.error().message();
  EXPECT_FALSE(stale->held);
  ASSERT_TRUE(stale->owner.has_value());
  EXPECT_EQ(stale->owner->pid, holder_pid);
}

TEST_F(FileLockTest, InspectDoesNotDisturbTheHolder) {
  auto lock = FileLock::TryAcquire(path(), "mine");
  ASSERT_TRUE(lock.has_value()) << lock.error().message();
  auto inspection = FileLock::Inspect(path());
  ASSERT_TRUE(inspection.has_value()) << inspection.error().message();
  EXPECT_TRUE(inspection->held);  // our own lock, seen from another open file description
  EXPECT_EQ(inspection->owner->pid, ::getpid());
  EXPECT_TRUE(FileLock::Inspect(path())->held);
}

TEST_F(FileLockTest, ReleaseClearsTheRecordSoTheNextOwnerIsNotStale) {
  { ASSERT_TRUE(FileLock::TryAcquire(path(), "first").has_value()); }
  EXPECT_EQ(Record(), "");
  auto inspection = FileLock::Inspect(path());
  ASSERT_TRUE(inspection.has_value());
  EXPECT_FALSE(inspection->owner.has_value());
  EXPECT_FALSE(inspection->held);
  auto again = FileLock::TryAcquire(path(), "second");
  ASSERT_TRUE(again.has_value()) << again.error().message();
  EXPECT_FALSE(again->stale_previous_owner().has_value());
}

// flock belongs to the open file description, so the same process cannot take it twice.
TEST_F(FileLockTest, SecondAcquireInTheSameProcessConflicts) {
  auto first = FileLock::TryAcquire(path(), "first");
  ASSERT_TRUE(first.has_value()) << first.error().message();
  auto second = FileLock::TryAcquire(path(), "second");
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code(), ErrorCode::kConflict);
  EXPECT_NE(second.error().message().find("pid " + std::to_string(::getpid()) + " (first)"),
            std::string::npos)
      << second.error().message();
}

TEST_F(FileLockTest, HolderWithoutARecordYetIsReportedAsAnotherProcess) {
  int raw = ::open(path().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(raw, 0);
  ASSERT_EQ(::flock(raw, LOCK_EX), 0);
  auto lock = FileLock::TryAcquire(path(), "late");
  ::close(raw);
  ASSERT_FALSE(lock.has_value());
  EXPECT_EQ(lock.error().code(), ErrorCode::kConflict);
  EXPECT_NE(lock.error().message().find("locked by another process"), std::string::npos)
      << lock.error().message();
}

TEST_F(FileLockTest, MovedLockStaysHeldUntilItsLastOwnerIsDestroyed) {
  auto acquired = FileLock::TryAcquire(path(), "moving");
  ASSERT_TRUE(acquired.has_value()) << acquired.error().message();
  {
    FileLock moved = std::move(*acquired);
    { FileLock moved_from_destroyed = std::move(*acquired); }  // owns nothing
    EXPECT_TRUE(FileLock::Inspect(path())->held);
  }
  EXPECT_FALSE(FileLock::Inspect(path())->held);
}

TEST_F(FileLockTest, NewlinesInTheDescriptionCannotBreakTheRecord) {
  auto lock = FileLock::TryAcquire(path(), "two\nlines");
  ASSERT_TRUE(lock.has_value()) << lock.error().message();
  EXPECT_EQ(Record(), std::to_string(::getpid()) + "\ntwo lines\n");
}

TEST_F(FileLockTest, UnparsableRecordNamesNoOwner) {
  std::ofstream(path()) << "garbage";
  auto inspection = FileLock::Inspect(path());
  ASSERT_TRUE(inspection.has_value());
  EXPECT_FALSE(inspection->owner.has_value());
  auto lock = FileLock::TryAcquire(path(), "after garbage");
  ASSERT_TRUE(lock.has_value()) << lock.error().message();
  EXPECT_FALSE(lock->stale_previous_owner().has_value());
}

TEST_F(FileLockTest, LockInAMissingDirectoryIsIoError) {
  auto lock = FileLock::TryAcquire(path().parent_path() / "missing" / "x.lock", "nowhere");
  ASSERT_FALSE(lock.has_value());
  EXPECT_EQ(lock.error().code(), ErrorCode::kIo);
  EXPECT_NE(lock.error().message().find("missing/x.lock"), std::string::npos);
}

}  // namespace
}  // namespace galaos::core
