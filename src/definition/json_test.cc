#include "definition/json.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(Json, KeepsKeyOrderAndTheIntegerFloatDistinction) {
  const std::string text = R"({"b":1,"a":1.0,"c":[true,null,"x"],"d":{}})";
  Result<Value> value = ParseJson(text);
  ASSERT_TRUE(value.has_value());
  EXPECT_TRUE(value->Find("b")->is_integer());
  EXPECT_TRUE(value->Find("a")->is_float());
  EXPECT_EQ(WriteJson(*value), text);
}

TEST(Json, ReportsSyntaxErrorsWithLineAndColumn) {
  Result<Value> value = ParseJson("{\n  \"Version\": \"2020-12-01\"\n  \"Steps\": []\n}", "p.json");
  ASSERT_FALSE(value.has_value());
  EXPECT_EQ(value.error().ToString(),
            "p.json:3:3: invalid JSON: syntax error while parsing object - unexpected string "
            "literal; expected '}'");
}

TEST(Json, RejectsDuplicateKeysNamingTheObject) {
  Result<Value> value = ParseJson(R"({"Steps": [{"Name": "A", "Name": "B"}]})");
  ASSERT_FALSE(value.has_value());
  EXPECT_EQ(value.error().ToString(),
            "1:26: invalid JSON: duplicate key \"Name\" in the object at /Steps/0");
}

TEST(Json, RefusesDocumentsNestedTooDeeply) {
  const std::string text = std::string(300, '[') + std::string(300, ']');
  Result<Value> value = ParseJson(text);
  ASSERT_FALSE(value.has_value());
  EXPECT_EQ(value.error().ToString(), "1:257: invalid JSON: nesting deeper than 256 levels");
}

TEST(Json, PointsAtTheTokenWhereTheSyntaxBreaks) {
  // A trailing comma is found at the closing bracket, a stray word at its first letter.
  Result<Value> comma = ParseJson("{\n  \"Steps\": [\n    1,\n  ]\n}");
  ASSERT_FALSE(comma.has_value());
  EXPECT_EQ(comma.error().where, "4:3");
  Result<Value> word = ParseJson("[1, tru]");
  ASSERT_FALSE(word.has_value());
  EXPECT_EQ(word.error().where, "1:5");
  Result<Value> truncated = ParseJson("[1,\n");
  ASSERT_FALSE(truncated.has_value());
  EXPECT_EQ(truncated.error().where, "2:1");
}

TEST(Json, WritesIllFormedUtf8InMessagesAsEscapes) {
  Result<Value> value = ParseJson("[\"caf\xe9\"]");
  ASSERT_FALSE(value.has_value());
  EXPECT_EQ(value.error().ToString(),
            "1:2: invalid JSON: syntax error while parsing value - invalid string: ill-formed "
            "UTF-8 byte; last read: '\"caf\\xE9\"'");
}

TEST(Json, EscapesStringsAndPrettyPrints) {
  Value value = Value::EmptyMap();
  value.Set("text", "line\n\"quoted\"\x01");
  value.Set("list", Value(Value::List{Value(1), Value(2.5)}));
  EXPECT_EQ(
      WriteJson(value, 2),
      "{\n  \"text\": \"line\\n\\\"quoted\\\"\\u0001\",\n  \"list\": [\n    1,\n    2.5\n  ]\n}");
}

TEST(Json, FloatsReadBackExactly) {
  for (double number : {0.1, 1.0, 1e300, -2.5e-10, 123456789.125}) {
    Value written = *ParseJson(WriteJson(Value(number)));
    ASSERT_TRUE(written.is_float());
    EXPECT_EQ(written.as_float(), number);
  }
}

}  // namespace
}  // namespace sluice
