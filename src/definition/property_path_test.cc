#include "definition/property_path.h"

#include "definition/json.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(PropertyPath, ParsesMembersIndexesAndQuotedKeys) {
  auto path = ParsePropertyPath("ProcessingOutputConfig.Outputs['train.v2'].S3Output.S3Uri");
  ASSERT_TRUE(path.has_value());
  ASSERT_EQ(path->size(), 5u);
  EXPECT_EQ((*path)[2].kind, PathSegment::Kind::kKey);
  EXPECT_EQ((*path)[2].name, "train.v2");
  EXPECT_EQ(FormatPropertyPath(*path), "ProcessingOutputConfig.Outputs['train.v2'].S3Output.S3Uri");
  EXPECT_EQ(FormatPropertyPath(*ParsePropertyPath("TrainingJobSummaries[0].TrainingJobName")),
            "TrainingJobSummaries[0].TrainingJobName");
  EXPECT_EQ(FormatPropertyPath(*ParsePropertyPath("$.a.b[2]")), "a.b[2]");
}

TEST(PropertyPath, SaysWhereAMalformedPathGoesWrong) {
  EXPECT_EQ(ParsePropertyPath("a..b").error().message,
            "invalid property path \"a..b\" at character 3: expected a name");
  EXPECT_EQ(ParsePropertyPath("a[x]").error().message,
            "invalid property path \"a[x]\" at character 3: expected an index or a quoted key");
  EXPECT_EQ(ParsePropertyPath("a['x").error().message,
            "invalid property path \"a['x\" at character 4: expected a closing quote");
  EXPECT_EQ(ParsePropertyPath("a.").error().message,
            "invalid property path \"a.\" at character 3: expected a name");
}

TEST(PropertyPath, SelectsListElementsByTheirNameMember) {
  Value document = *ParseJson(R"({"Outputs": [{"OutputName": "a", "S3Uri": "s3://x/a"},
                                              {"OutputName": "b", "S3Uri": "s3://x/b"}]})");
  EXPECT_EQ(*LookUpPath(document, *ParsePropertyPath("Outputs['b'].S3Uri")), Value("s3://x/b"));
  EXPECT_EQ(*LookUpPath(document, *ParsePropertyPath("Outputs[0].S3Uri")), Value("s3://x/a"));
  EXPECT_EQ(LookUpPath(document, *ParsePropertyPath("Outputs['c'].S3Uri")).error().message,
            "Outputs['c'] is undefined");
  EXPECT_EQ(LookUpPath(document, *ParsePropertyPath("Outputs[5]")).error().message,
            "Outputs[5] is undefined");
}

}  // namespace
}  // namespace sluice
