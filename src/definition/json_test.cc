#include "definition/json.h"

#include <gtest/gtest.h>

#include <limits>

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
            "p.json:3:3: invalid JSON: expected \",\" or \"}\" after a member of the object, got "
            "string \"Steps\" (is a comma missing?)");
}

TEST(Json, RejectsDuplicateKeysNamingTheObject) {
  Result<Value> value = ParseJson(R"({"Steps": [{"Name": "A", "Name": "B"}]})");
  ASSERT_FALSE(value.has_value());
  EXPECT_EQ(value.error().ToString(),
            "1:26: invalid JSON: duplicate key \"Name\" in the object at /Steps/0");
}

TEST(Json, HandsEachItemOfTheSinkListToItsTakerAsItIsRead) {
  std::vector<std::pair<std::string, size_t>> taken;
  const ListItemSink sink{
      "Steps", [&](Value item, size_t index) { taken.emplace_back(WriteJson(item), index); }};
  Result<Value> value = ParseJson(
      R"({"Steps": [{"a": 1}, 2], "Other": [3], "Nested": {"Steps": [4]}})", "", {}, sink);
  ASSERT_TRUE(value.has_value()) << value.error().ToString();
  EXPECT_EQ(taken, (std::vector<std::pair<std::string, size_t>>{{R"({"a":1})", 0}, {"2", 1}}));
  EXPECT_EQ(WriteJson(*value), R"({"Steps":[null,null],"Other":[3],"Nested":{"Steps":[4]}})");
}

TEST(Json, ASinkListInvalidAfterItsFirstItemsIsStillAnError) {
  size_t taken = 0;
  const ListItemSink sink{"Steps", [&](Value, size_t) { ++taken; }};
  Result<Value> value = ParseJson(R"({"Steps": [1, 2})", "", {}, sink);
  ASSERT_FALSE(value.has_value());
  EXPECT_EQ(value.error().ToString(),
            "1:16: invalid JSON: expected \",\" or \"]\" after an item of the list, got \"}\"");
  EXPECT_EQ(taken, 2u);
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

TEST(Json, RefusesIllFormedUtf8AtTheByteAndWritesItAsAnEscape) {
  Result<Value> value = ParseJson("[\"caf\xe9\"]");
  ASSERT_FALSE(value.has_value());
  EXPECT_EQ(value.error().ToString(),
            "1:6: invalid JSON: ill-formed UTF-8 in a string (byte \\xE9)");
  // Overlong forms and encoded surrogates are ill-formed too; real characters are not.
  EXPECT_FALSE(ParseJson("\"\xC0\xAF\"").has_value());
  EXPECT_FALSE(ParseJson("\"\xED\xA0\x80\"").has_value());
  EXPECT_EQ(*ParseJson("\"caf\xC3\xA9 \xF0\x9F\x98\x80\""), Value("caf\xC3\xA9 \xF0\x9F\x98\x80"));
}

TEST(Json, DecodesEscapesIncludingSurrogatePairs) {
  EXPECT_EQ(*ParseJson(R"("a\"b\\c\/d\b\f\n\r\t")"), Value("a\"b\\c/d\b\f\n\r\t"));
  EXPECT_EQ(*ParseJson(R"("\u00e9\u20AC\ud83d\ude00")"),
            Value("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));
  EXPECT_EQ(ParseJson(R"(["\ud83d"])").error().ToString(),
            "1:3: invalid JSON: \\u escape of a high surrogate without the low one after it");
  EXPECT_EQ(ParseJson(R"("\x")").error().ToString(),
            "1:2: invalid JSON: invalid escape \"\\x\" in a string (expected one of \\\" \\\\ "
            "\\/ \\b \\f \\n \\r \\t \\uXXXX)");
  EXPECT_EQ(ParseJson("\"a\tb\"").error().ToString(),
            "1:3: invalid JSON: control character \\x09 in a string must be written as \\u0009");
}

TEST(Json, ReadsIntegersAsIntegersAndEverythingElseAsFloats) {
  Value value =
      *ParseJson("[0, -0, 42, -9223372036854775808, 9223372036854775808, 1.5, 2e3, 1e-400]");
  const Value::List& items = value.as_list();
  EXPECT_EQ(items[0], Value(0));
  EXPECT_EQ(items[1], Value(0));
  EXPECT_EQ(items[2], Value(42));
  EXPECT_EQ(items[3], Value(std::numeric_limits<int64_t>::min()));
  EXPECT_TRUE(items[4].is_float());  // past int64
  EXPECT_EQ(items[5], Value(1.5));
  EXPECT_EQ(items[6], Value(2000.0));
  EXPECT_EQ(items[7], Value(0.0));
  EXPECT_EQ(ParseJson("[1e400]").error().ToString(),
            "1:2: invalid JSON: number \"1e400\" is too large");
  EXPECT_EQ(ParseJson("[012]").error().ToString(),
            "1:2: invalid JSON: invalid number \"012\": a number cannot start with 0");
  EXPECT_EQ(ParseJson("[1.]").error().ToString(),
            "1:2: invalid JSON: invalid number \"1.\": expected a digit after the decimal point");
}

TEST(Json, SaysWhatWasExpectedAndWhatWasFound) {
  EXPECT_EQ(ParseJson("").error().ToString(),
            "1:1: invalid JSON: expected a value, got the end of the text");
  EXPECT_EQ(ParseJson("{\"a\": 1,}").error().ToString(),
            "1:9: invalid JSON: expected the name of the next member in double quotes, got \"}\" "
            "(JSON allows no comma after the last member)");
  EXPECT_EQ(ParseJson("{\"a\" 1}").error().ToString(),
            "1:6: invalid JSON: expected \":\" after the member name \"a\", got \"1\"");
  EXPECT_EQ(ParseJson("[1 2]").error().ToString(),
            "1:4: invalid JSON: expected \",\" or \"]\" after an item of the list, got \"2\" (is a "
            "comma missing?)");
  EXPECT_EQ(ParseJson("{} {}").error().ToString(),
            "1:4: invalid JSON: unexpected \"{\" after the end of the JSON value");
  EXPECT_EQ(ParseJson("[\"open").error().ToString(),
            "1:2: invalid JSON: this string is never closed");
  EXPECT_EQ(ParseJson("\xEF\xBB\xBF{}").has_value(), true) << "a byte-order mark is skipped";
}

TEST(Json, CanLeaveOutNullMembersButStillSeesTheirDuplicates) {
  Result<Value> value =
      ParseJson(R"({"a": null, "b": [null], "c": {"d": null}})", "", NullMembers::kLeaveOut);
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(WriteJson(*value), R"({"b":[null],"c":{}})");
  EXPECT_FALSE(ParseJson(R"({"a": null, "a": 1})", "", NullMembers::kLeaveOut).has_value());
}

TEST(Json, EscapesStringsAndPrettyPrints) {
  Value value = Value::EmptyMap();
  value.Set("text", "line\n\"quoted\"\x01");
  value.Set("list", Value(Value::List{Value(1), Value(2.5)}));
  EXPECT_EQ(
      WriteJson(value, 2),
      "{\n  \"text\": \"line\\n\\\"quoted\\\"\\u0001\",\n  \"list\": [\n    1,\n    2.5\n  ]\n}");
}

TEST(Json, EscapesEveryCharacterThatNeedsItWhereverItStands) {
  const std::string text =
      "\x1f"
      "a\\b\tc\rd\be\ff plain \"\"\x7f\n";
  EXPECT_EQ(WriteJson(Value(text)), "\"\\u001fa\\\\b\\tc\\rd\\be\\ff plain \\\"\\\"\x7f\\n\"");
  EXPECT_EQ(WriteJson(Value("")), "\"\"");
  EXPECT_EQ(WriteJson(Value("no escapes at all")), "\"no escapes at all\"");
  EXPECT_EQ(*ParseJson(WriteJson(Value(text))), Value(text));
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
