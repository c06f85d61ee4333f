// What the store asks of the disk: every file SQLite opens goes through a VFS that counts the
// syncs and records the PRAGMAs it is told of, around the operating system's own VFS.
#include "store/sqlite_store.h"
#include "store/testing/scratch_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

namespace sluice {
namespace {

struct Observed {
  int syncs = 0;
  std::vector<std::string> pragmas;  // "name=value" as SQLite passes them on
};
Observed observed;

struct CountingFile {
  sqlite3_file base;
  sqlite3_file* real;  // the operating system VFS's file, allocated right after this one
};

sqlite3_file* Real(sqlite3_file* file) { return reinterpret_cast<CountingFile*>(file)->real; }

int Close(sqlite3_file* f) { return Real(f)->pMethods->xClose(Real(f)); }
int Read(sqlite3_file* f, void* out, int n, sqlite3_int64 at) {
  return Real(f)->pMethods->xRead(Real(f), out, n, at);
}
int Write(sqlite3_file* f, const void* in, int n, sqlite3_int64 at) {
  return Real(f)->pMethods->xWrite(Real(f), in, n, at);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  ++observed.syncs;
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int Lock(sqlite3_file* f, int level) { return Real(f)->pMethods->xLock(Real(f), level); }
int Unlock(sqlite3_file* f, int level) { return Real(f)->pMethods->xUnlock(Real(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* argument) {
  if (op == SQLITE_FCNTL_PRAGMA) {
    char** words = static_cast<char**>(argument);
    observed.pragmas.push_back(std::string(words[1]) + "=" + (words[2] ? words[2] : ""));
  }
  return Real(f)->pMethods->xFileControl(Real(f), op, argument);
}
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int delete_flag) {
  return Real(f)->pMethods->xShmUnmap(Real(f), delete_flag);
}

// Version 2: no memory-mapped reads, so every page goes through Read.
const sqlite3_io_methods kCountingMethods = {2,
                                             Close,
                                             Read,
                                             Write,
                                             Truncate,
                                             Sync,
                                             FileSize,
                                             Lock,
                                             Unlock,
                                             CheckReservedLock,
                                             FileControl,
                                             SectorSize,
                                             DeviceCharacteristics,
                                             ShmMap,
                                             ShmLock,
                                             ShmBarrier,
                                             ShmUnmap,
                                             nullptr,
                                             nullptr};

sqlite3_vfs* os_vfs = nullptr;
sqlite3_vfs counting_vfs;

int Open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* counting = reinterpret_cast<CountingFile*>(file);
  counting->real = reinterpret_cast<sqlite3_file*>(counting + 1);
  const int status = os_vfs->xOpen(os_vfs, name, counting->real, flags, out_flags);
  counting->base.pMethods = counting->real->pMethods != nullptr ? &kCountingMethods : nullptr;
  return status;
}

class StoreSyncTest : public testing::ScratchStoreTest {
 protected:
  static void SetUpTestSuite() {
    os_vfs = sqlite3_vfs_find(nullptr);
    counting_vfs = *os_vfs;
    counting_vfs.zName = "counting";
    counting_vfs.szOsFile = static_cast<int>(sizeof(CountingFile)) + os_vfs->szOsFile;
    counting_vfs.xOpen = Open;
    sqlite3_vfs_register(&counting_vfs, 1);
  }
  static void TearDownTestSuite() {
    sqlite3_vfs_unregister(&counting_vfs);
    sqlite3_vfs_register(os_vfs, 1);
  }
  void SetUp() override {
    ScratchStoreTest::SetUp();
    observed = {};
  }

  static Transition Begin(std::string id) {
    Transition begin;
    begin.execution = ExecutionRecord{};
    begin.execution->id = std::move(id);
    begin.execution->pipeline_name = "p";
    begin.execution->definition = R"({"Version": "2020-12-01"})";
    return begin;
  }
};

TEST_F(StoreSyncTest, ANewStoreWaitsForNoDiskUntilItsFirstCommitThenSyncsAsUsual) {
  auto store = SqliteStore::Open(directory_ / "state.db", Durability::kProcessCrash);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  auto first = Begin("e1");
  ASSERT_TRUE((*store)->Apply(first).has_value());
  EXPECT_EQ(observed.syncs, 0);
  // From then on the write-ahead log is synced whenever its header is written again and before
  // every checkpoint, which is what synchronous=NORMAL does.
  ASSERT_FALSE(observed.pragmas.empty());
  EXPECT_EQ(observed.pragmas.back(), "synchronous=NORMAL");
}

TEST_F(StoreSyncTest, AStoreThatWasThereAlreadyIsOpenedAtNormalSynchronousStraightAway) {
  { ASSERT_TRUE(SqliteStore::Open(directory_ / "state.db", Durability::kProcessCrash)); }
  observed = {};
  auto store = SqliteStore::Open(directory_ / "state.db", Durability::kProcessCrash);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  ASSERT_FALSE(observed.pragmas.empty());
  EXPECT_EQ(observed.pragmas.back(), "synchronous=NORMAL");
}

TEST_F(StoreSyncTest, AMachineDurableStoreSyncsItsFirstCommit) {
  auto store = SqliteStore::Open(directory_ / "state.db", Durability::kMachineCrash);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  observed.syncs = 0;
  auto first = Begin("e1");
  ASSERT_TRUE((*store)->Apply(first).has_value());
  EXPECT_GT(observed.syncs, 0);
}

}  // namespace
}  // namespace sluice
