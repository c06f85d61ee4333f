#include "artifacts/artifact_store.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

S3Location Parsed(std::string_view uri) {
  auto location = ParseS3Uri(uri);
  EXPECT_TRUE(location.has_value()) << location.error().ToString();
  return location.has_value() ? *location : S3Location{};
}

std::string ErrorText(std::string_view uri) {
  auto location = ParseS3Uri(uri);
  if (location.has_value()) return "parsed as bucket " + location->bucket;
  EXPECT_EQ(location.error().code, ErrorCode::kInvalidArgument);
  return location.error().ToString();
}

TEST(ParseS3Uri, SplitsBucketAndKey) {
  const S3Location location = Parsed("s3://sagemaker-us-east-1-123456789012/abalone/train.csv");
  EXPECT_EQ(location.bucket, "sagemaker-us-east-1-123456789012");
  EXPECT_EQ(location.key, "abalone/train.csv");
}

TEST(ParseS3Uri, AcceptsABucketWithAnEmptyKey) {
  EXPECT_EQ(Parsed("s3://my-bucket").key, "");
  EXPECT_EQ(Parsed("s3://my-bucket").bucket, "my-bucket");
  EXPECT_EQ(Parsed("s3://my-bucket/").key, "");
}

TEST(ParseS3Uri, KeepsTheTrailingSlashOfAPrefix) {
  EXPECT_EQ(Parsed("s3://my.bucket-1/prefix/").key, "prefix/");
}

TEST(ParseS3Uri, KeepsKeysAsWritten) {
  // S3 keys may hold anything; only the local store refuses keys that are not plain paths.
  EXPECT_EQ(Parsed("s3://bucket/a//b/../c").key, "a//b/../c");
}

TEST(ParseS3Uri, RejectsOtherSchemesNamingTheUri) {
  EXPECT_EQ(ErrorText("https://bucket/key"),
            "https://bucket/key: expected a URI of the form \"s3://bucket/key\"");
  EXPECT_EQ(ErrorText("S3://bucket/key"),
            "S3://bucket/key: expected a URI of the form \"s3://bucket/key\"");
  EXPECT_EQ(ErrorText("bucket/key"), "bucket/key: expected a URI of the form \"s3://bucket/key\"");
}

TEST(ParseS3Uri, RejectsAMissingBucket) {
  EXPECT_EQ(ErrorText("s3://"), "s3://: expected a bucket name after \"s3://\"");
  EXPECT_EQ(ErrorText("s3:///key"), "s3:///key: expected a bucket name after \"s3://\"");
}

TEST(ParseS3Uri, RejectsBucketNamesThatS3Refuses) {
  EXPECT_EQ(ErrorText("s3://ab/k"),
            "s3://ab/k: bucket name \"ab\" is 2 characters long; expected 3 to 63 characters");
  const std::string long_name(64, 'a');
  EXPECT_EQ(ErrorText("s3://" + long_name),
            "s3://" + long_name + ": bucket name \"" + long_name +
                "\" is 64 characters long; expected 3 to 63 characters");
  EXPECT_EQ(ErrorText("s3://My_Bucket/k"),
            "s3://My_Bucket/k: bucket name \"My_Bucket\" contains \"M\"; expected only lowercase "
            "letters, digits, \".\" and \"-\"");
  EXPECT_EQ(ErrorText("s3://my_bucket/k"),
            "s3://my_bucket/k: bucket name \"my_bucket\" contains \"_\"; expected only lowercase "
            "letters, digits, \".\" and \"-\"");
  EXPECT_EQ(ErrorText("s3://-bucket/k"),
            "s3://-bucket/k: bucket name \"-bucket\" must begin and end with a lowercase letter "
            "or a digit");
  EXPECT_EQ(ErrorText("s3://bucket./k"),
            "s3://bucket./k: bucket name \"bucket.\" must begin and end with a lowercase letter "
            "or a digit");
  EXPECT_EQ(ErrorText("s3://my..bucket/k"),
            "s3://my..bucket/k: bucket name \"my..bucket\" contains two adjacent periods");
  EXPECT_EQ(ErrorText("s3://192.168.5.4/k"),
            "s3://192.168.5.4/k: bucket name \"192.168.5.4\" is formatted as an IP address");
  EXPECT_EQ(ErrorText("s3://xn--bucket/k"),
            "s3://xn--bucket/k: bucket name \"xn--bucket\" begins with \"xn--\", which S3 "
            "reserves");
  EXPECT_EQ(ErrorText("s3://data-s3alias/k"),
            "s3://data-s3alias/k: bucket name \"data-s3alias\" ends with \"-s3alias\", which S3 "
            "reserves");
}

TEST(ParseS3Uri, AcceptsNamesThatOnlyResembleAnIpAddress) {
  EXPECT_EQ(Parsed("s3://192.168.5/k").bucket, "192.168.5");
  EXPECT_EQ(Parsed("s3://1.2.3.4a/k").bucket, "1.2.3.4a");
}

TEST(ParseS3Uri, RejectsKeysLongerThanS3Allows) {
  const std::string uri = "s3://bucket/" + std::string(1025, 'k');
  EXPECT_EQ(ErrorText(uri), uri + ": the key is 1025 bytes long; S3 allows at most 1024");
  EXPECT_EQ(Parsed("s3://bucket/" + std::string(1024, 'k')).key.size(), 1024u);
}

}  // namespace
}  // namespace sluice
