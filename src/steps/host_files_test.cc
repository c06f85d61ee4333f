#include "steps/host_files.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace sluice {
namespace {

class HostFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "sluice-files-XXXXXX").string();
    root_ = mkdtemp(pattern.data());
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  static std::string Read(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::filesystem::path root_;
};

TEST_F(HostFilesTest, MakesEveryMissingParentAndAcceptsADirectoryThatExists) {
  const std::filesystem::path deep = root_ / "steps" / "Train" / "attempt-1" / "ml";
  ASSERT_TRUE(MakeDirectories(deep).has_value());
  EXPECT_TRUE(std::filesystem::is_directory(deep));
  EXPECT_TRUE(MakeDirectories(deep).has_value());
  EXPECT_TRUE(MakeDirectories(root_ / "steps" / "Train").has_value());
}

TEST_F(HostFilesTest, RefusesADirectoryWhereAFileIsInTheWay) {
  ASSERT_TRUE(WriteWholeFile(root_ / "ml", "not a directory").has_value());
  auto at_the_file = MakeDirectories(root_ / "ml");
  ASSERT_FALSE(at_the_file.has_value());
  EXPECT_NE(at_the_file.error().message.find("cannot create the directory"), std::string::npos);
  auto below_the_file = MakeDirectories(root_ / "ml" / "config");
  ASSERT_FALSE(below_the_file.has_value());
  EXPECT_EQ(below_the_file.error().where, (root_ / "ml" / "config").string());
}

TEST_F(HostFilesTest, WritesTheWholeTextMakingTheParentsAndReplacingWhatWasThere) {
  const std::filesystem::path file = root_ / "ml" / "config" / "resourceconfig.json";
  ASSERT_TRUE(WriteWholeFile(file, "{\"current_host\": \"algo-1\", \"hosts\": [\"algo-1\"]}\n"));
  EXPECT_EQ(Read(file), "{\"current_host\": \"algo-1\", \"hosts\": [\"algo-1\"]}\n");
  ASSERT_TRUE(WriteWholeFile(file, "{}\n"));
  EXPECT_EQ(Read(file), "{}\n");
  const std::string large(1 << 20, 'x');
  ASSERT_TRUE(WriteWholeFile(file, large));
  EXPECT_EQ(Read(file), large);
}

TEST_F(HostFilesTest, ReportsAFileThatCannotBeWritten) {
  ASSERT_TRUE(WriteWholeFile(root_ / "ml", "a file").has_value());
  auto written = WriteWholeFile(root_ / "ml" / "config" / "x.json", "{}");
  ASSERT_FALSE(written.has_value());
  EXPECT_EQ(written.error().where, (root_ / "ml" / "config" / "x.json").string());
  auto into_directory = WriteWholeFile(root_, "{}");
  ASSERT_FALSE(into_directory.has_value());
  EXPECT_NE(into_directory.error().message.find("cannot write the file"), std::string::npos);
}

}  // namespace
}  // namespace sluice
