#include "runtimes/data_processing.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

std::string Apply(std::string_view path, std::string_view record) {
  Result<ColumnFilter> filter = ColumnFilter::Parse(path, "DataProcessing.InputFilter");
  EXPECT_TRUE(filter.has_value()) << filter.error().ToString();
  if (!filter.has_value()) return "<no filter>";
  Result<std::string> selected = filter->Apply(record);
  return selected.has_value() ? *selected : "<error: " + selected.error().ToString() + ">";
}

TEST(ColumnFilter, DollarAndStarSelectEverything) {
  for (const char* path : {"", "$", "$[*]", " $ "}) {
    Result<ColumnFilter> filter = ColumnFilter::Parse(path, "f");
    ASSERT_TRUE(filter.has_value()) << path;
    EXPECT_TRUE(filter->selects_everything());
    EXPECT_EQ(*filter->Apply("a,b,c"), "a,b,c");
  }
}

TEST(ColumnFilter, SelectsIndicesSlicesAndUnions) {
  EXPECT_EQ(Apply("$[1:]", "label,1.5,2.5"), "1.5,2.5");
  EXPECT_EQ(Apply("$[0,2]", "a,b,c,d"), "a,c");
  EXPECT_EQ(Apply("$[-1]", "a,b,c"), "c");
  EXPECT_EQ(Apply("$[0,-1]", "id,x,y,prediction"), "id,prediction");
  EXPECT_EQ(Apply("$[:-1]", "a,b,c"), "a,b");
  EXPECT_EQ(Apply("$[1:3]", "a,b,c,d"), "b,c");
  EXPECT_EQ(Apply("$[0, 2:]", "a,b,c,d"), "a,c,d");
  EXPECT_EQ(Apply("$[5:]", "a,b"), "");
}

TEST(ColumnFilter, KeepsQuotedCommasInsideOneColumn) {
  EXPECT_EQ(Apply("$[1:]", "\"Smith, J\",3,4"), "3,4");
  EXPECT_EQ(Apply("$[0]", "\"Smith, J\",3,4"), "\"Smith, J\"");
}

TEST(ColumnFilter, IndexPastTheRecordIsAnError) {
  EXPECT_EQ(Apply("$[3]", "a,b"), "<error: $[3]: selects column 3 of a record with 2 columns>");
}

TEST(ColumnFilter, RefusesJsonPathsItCannotApplyToCsv) {
  for (const char* path : {"$.features", "$['a']", "$[1", "$[a:b]", "[1]", "$[]"}) {
    Result<ColumnFilter> filter = ColumnFilter::Parse(path, "DataProcessing.InputFilter");
    ASSERT_FALSE(filter.has_value()) << path;
    EXPECT_EQ(filter.error().where, "DataProcessing.InputFilter");
  }
  EXPECT_EQ(ColumnFilter::Parse("$.features", "DataProcessing.InputFilter").error().message,
            "\"$.features\" is not supported locally: expected $, or column selections on CSV "
            "records such as $[1:], $[0,2], $[-1] or $[1:3]");
}

TEST(IsCsvContentType, AcceptsParameters) {
  EXPECT_TRUE(IsCsvContentType("text/csv"));
  EXPECT_TRUE(IsCsvContentType("text/csv; charset=utf-8"));
  EXPECT_FALSE(IsCsvContentType("application/jsonlines"));
  EXPECT_FALSE(IsCsvContentType(""));
}

}  // namespace
}  // namespace sluice
