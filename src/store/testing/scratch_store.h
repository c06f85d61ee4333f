// A fixture for the store's tests: a fresh directory per test, removed after it, and the
// SQLite store in it, opened (or reopened) on demand.
#pragma once

#include "store/sqlite_store.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

namespace sluice::testing {

class ScratchStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "sluice-store-XXXXXX").string();
    directory_ = mkdtemp(pattern.data());
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::unique_ptr<SqliteStore> OpenStore() {
    auto store = SqliteStore::Open(directory_ / "state.db");
    EXPECT_TRUE(store.has_value()) << store.error().ToString();
    return std::move(*store);
  }

  std::filesystem::path directory_;
};

}  // namespace sluice::testing
