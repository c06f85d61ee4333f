#include "runtimes/record_batches.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using Views = std::vector<std::string_view>;

std::vector<RecordBatch> Pack(const std::vector<std::string>& records, BatchStrategy strategy,
                              int64_t max_bytes) {
  Result<std::vector<RecordBatch>> batches =
      PackRecords(records, SplitType::kLine, strategy, max_bytes, "input.csv");
  EXPECT_TRUE(batches.has_value()) << batches.error().ToString();
  return batches.has_value() ? *batches : std::vector<RecordBatch>{};
}

TEST(SplitRecords, LineSplittingDropsTerminatorsButNotInteriorEmptyLines) {
  EXPECT_EQ(SplitRecords("a,1\nb,2\n", SplitType::kLine), (Views{"a,1", "b,2"}));
  EXPECT_EQ(SplitRecords("a,1\r\nb,2", SplitType::kLine), (Views{"a,1", "b,2"}));
  EXPECT_EQ(SplitRecords("a\n\nb\n", SplitType::kLine), (Views{"a", "", "b"}));
  EXPECT_EQ(SplitRecords("", SplitType::kLine), Views{});
  EXPECT_EQ(SplitRecords("\n", SplitType::kLine), Views{""});
}

TEST(SplitRecords, NoSplittingMakesTheWholeFileOneRecord) {
  EXPECT_EQ(SplitRecords("a\nb\n", SplitType::kNone), Views{"a\nb\n"});
  EXPECT_EQ(SplitRecords("", SplitType::kNone), Views{});
}

TEST(PackRecords, SingleRecordSendsOneRecordPerRequest) {
  const std::vector<RecordBatch> batches =
      Pack({"1,2", "3,4", "5,6"}, BatchStrategy::kSingleRecord, 6 * 1024 * 1024);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[2].first_record, 2u);
  EXPECT_EQ(batches[2].record_count, 1u);
  EXPECT_EQ(batches[2].body_size, 4u);
}

TEST(PackRecords, MultiRecordFillsEachRequestUpToThePayloadLimit) {
  // Each record is 4 bytes with its newline: three fit in 12 bytes, a fourth does not.
  const std::vector<std::string> records = {"1,2", "3,4", "5,6", "7,8", "9,0"};
  const std::vector<RecordBatch> batches = Pack(records, BatchStrategy::kMultiRecord, 12);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].record_count, 3u);
  EXPECT_EQ(batches[0].body_size, 12u);
  EXPECT_EQ(batches[1].first_record, 3u);
  EXPECT_EQ(batches[1].record_count, 2u);
  EXPECT_EQ(BatchBody(records, batches[1], SplitType::kLine), "7,8\n9,0\n");
}

TEST(PackRecords, UnlimitedPayloadSendsRecordsOneByOne) {
  EXPECT_EQ(Pack({"a", "b"}, BatchStrategy::kMultiRecord, 0).size(), 2u);
}

TEST(PackRecords, RecordLargerThanThePayloadLimitIsAnErrorNamingItsLine) {
  Result<std::vector<RecordBatch>> batches =
      PackRecords({"1", std::string(2 * 1024 * 1024, 'x')}, SplitType::kLine,
                  BatchStrategy::kMultiRecord, 1024 * 1024, "dir/input.csv");
  ASSERT_FALSE(batches.has_value());
  EXPECT_EQ(batches.error().ToString(),
            "dir/input.csv: record 2 (line 2) is 2097153 bytes, more than MaxPayloadInMB allows "
            "(1 MB)");
}

TEST(PackRecords, WholeFileIsSentUnchanged) {
  const std::vector<std::string> records = {"a\nb"};
  Result<std::vector<RecordBatch>> batches =
      PackRecords(records, SplitType::kNone, BatchStrategy::kMultiRecord, 100, "f");
  ASSERT_TRUE(batches.has_value());
  ASSERT_EQ(batches->size(), 1u);
  EXPECT_EQ(BatchBody(records, (*batches)[0], SplitType::kNone), "a\nb");
  EXPECT_EQ(DescribeRecords((*batches)[0], SplitType::kNone), "the whole file");
}

TEST(DescribeRecords, CountsFromOne) {
  EXPECT_EQ(DescribeRecords({4, 3, 0}, SplitType::kLine), "records 5-7 (lines 5-7)");
  EXPECT_EQ(DescribeRecords({0, 1, 0}, SplitType::kLine), "record 1 (line 1)");
}

}  // namespace
}  // namespace sluice
