// What the suites that drive the real `sluice` binary share: a scratch directory per test, whose
// `state` is the state directory every command gets, and the store in it.
#pragma once

#include "store/sqlite_store.h"

#include <gtest/gtest.h>

#include "run_command.h"
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace sluice::testing {

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device random;
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice-cli-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code error;
    std::filesystem::remove_all(dir_, error);
  }

  // Runs `sluice ARGUMENTS... --state-dir DIR/state`.
  CommandResult Sluice(std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), SLUICE_BINARY);
    arguments.push_back("--state-dir");
    arguments.push_back(state_dir().string());
    return RunCommand(arguments, std::chrono::seconds(120));
  }

  std::filesystem::path state_dir() const { return dir_ / "state"; }

  // The state directory's store, opened beside whatever engine runs on it.
  std::unique_ptr<SqliteStore> Store() {
    auto store = SqliteStore::Open(state_dir() / "sluice.db");
    EXPECT_TRUE(store) << store.error().ToString();
    return store ? std::move(*store) : nullptr;
  }

  std::filesystem::path dir_;
};

}  // namespace sluice::testing
