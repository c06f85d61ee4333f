#include "steps/function_map.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(FunctionMap, FirstMatchingGlobInWrittenOrderWins) {
  auto map = FunctionMap::Parse(R"({
    "arn:aws:lambda:*:*:function:special": {"url": "http://127.0.0.1:9000/invoke"},
    "arn:aws:lambda:*:*:function:*": {"command": ["python3", "fn.py"]}})",
                                "functions.json");
  ASSERT_TRUE(map) << map.error().ToString();
  const FunctionTarget* special = map->Find("arn:aws:lambda:us-west-2:123:function:special");
  ASSERT_NE(special, nullptr);
  EXPECT_EQ(special->url, "http://127.0.0.1:9000/invoke");
  EXPECT_TRUE(special->command.empty());
  const FunctionTarget* other = map->Find("arn:aws:lambda:eu-west-1:9:function:other");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->command, (std::vector<std::string>{"python3", "fn.py"}));
  EXPECT_EQ(map->Find("arn:aws:states:us-east-1:1:stateMachine:x"), nullptr);
}

TEST(FunctionMap, PatternsMatchTheWholeArn) {
  auto map = FunctionMap::Parse(R"({"arn:aws:lambda:*:*:function:fn": {"command": ["true"]}})",
                                "functions.json");
  ASSERT_TRUE(map);
  EXPECT_NE(map->Find("arn:aws:lambda:r:1:function:fn"), nullptr);
  EXPECT_EQ(map->Find("arn:aws:lambda:r:1:function:fn2"), nullptr);
  EXPECT_EQ(map->Find("xarn:aws:lambda:r:1:function:fn"), nullptr);
}

TEST(FunctionMap, ErrorsNameTheEntryAndWhatWasExpected) {
  auto both = FunctionMap::Parse(R"({"a/b": {"command": ["x"], "url": "http://h/"}})", "f.json");
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().where, "f.json: /a~1b");
  EXPECT_NE(both.error().message.find("exactly one of"), std::string::npos);

  auto bad_argv = FunctionMap::Parse(R"({"p": {"command": ["x", 3]}})", "f.json");
  ASSERT_FALSE(bad_argv);
  EXPECT_EQ(bad_argv.error().where, "f.json: /p/command/1");

  auto empty_argv = FunctionMap::Parse(R"({"p": {"command": []}})", "f.json");
  ASSERT_FALSE(empty_argv);
  EXPECT_EQ(empty_argv.error().where, "f.json: /p/command");

  auto bad_url = FunctionMap::Parse(R"({"p": {"url": "ftp://h/"}})", "f.json");
  ASSERT_FALSE(bad_url);
  EXPECT_EQ(bad_url.error().where, "f.json: /p/url");

  auto unknown = FunctionMap::Parse(R"({"p": {"url": "http://h/", "timeout": 3}})", "f.json");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().where, "f.json: /p/timeout");

  auto not_object = FunctionMap::Parse(R"(["p"])", "f.json");
  ASSERT_FALSE(not_object);
  EXPECT_EQ(not_object.error().where, "f.json");

  EXPECT_FALSE(FunctionMap::Parse(R"({"p": )", "f.json"));
}

TEST(FunctionMap, AMissingFileIsAnEmptyMap) {
  auto map = FunctionMap::LoadIfPresent("/nonexistent/dir/functions.json");
  ASSERT_TRUE(map) << map.error().ToString();
  EXPECT_TRUE(map->targets().empty());
}

}  // namespace
}  // namespace sluice
