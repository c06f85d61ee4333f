#include "definition/json.h"

#include "base/text.h"
#include "definition/expression.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <limits>

namespace sluice {
namespace {

// Deeper documents are refused: nothing SageMaker accepts comes close, and every later pass
// over a Value recurses.
constexpr size_t kMaxDepth = 256;

// Builds a Value directly from nlohmann's SAX events: one pass, key order kept, duplicates seen.
class ValueBuilder : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return Add(Value()); }
  bool boolean(bool value) override { return Add(Value(value)); }
  bool number_integer(number_integer_t value) override { return Add(Value(int64_t{value})); }
  bool number_unsigned(number_unsigned_t value) override {
    if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Add(Value(static_cast<double>(value)));
    }
    return Add(Value(static_cast<int64_t>(value)));
  }
  bool number_float(number_float_t value, const string_t&) override { return Add(Value(value)); }
  bool string(string_t& value) override { return Add(Value(std::move(value))); }
  bool binary(binary_t&) override { return Fail("binary values are not JSON"); }
  bool start_object(std::size_t) override { return Open(Value::EmptyMap()); }
  bool key(string_t& key) override {
    const Value& object = stack_.back().value;
    if (object.Find(key) != nullptr) {
      return Fail("duplicate key " + Quote(key) + " in object at " + Pointer());
    }
    stack_.back().pending_key = std::move(key);
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(Value::EmptyList()); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& error) override {
    // Point at the start of the offending token, where a reader looks for the mistake.
    error_position_ = position >= last_token.size() ? position - last_token.size() + 1 : position;
    syntax_error_ = error.what();
    return false;
  }

  Value TakeRoot() { return std::move(root_); }
  const std::string& semantic_error() const { return semantic_error_; }
  const std::string& syntax_error() const { return syntax_error_; }
  size_t error_position() const { return error_position_; }

 private:
  struct Open_ {
    Value value;
    std::string pending_key;
  };

  bool Fail(std::string message) {
    semantic_error_ = std::move(message);
    return false;
  }

  std::string Pointer() const {
    std::string pointer;
    for (size_t i = 1; i < stack_.size(); ++i) {
      const Value& parent = stack_[i - 1].value;
      if (parent.is_map()) {
        pointer = PointerAppend(pointer, stack_[i - 1].pending_key);
      } else {
        pointer = PointerAppend(pointer, parent.as_list().size());
      }
    }
    return pointer.empty() ? "/" : pointer;
  }

  bool Add(Value value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return true;
    }
    Open_& top = stack_.back();
    if (top.value.is_map()) {
      top.value.as_map().push_back(Member{std::move(top.pending_key), std::move(value)});
      top.pending_key.clear();
    } else {
      top.value.as_list().push_back(std::move(value));
    }
    return true;
  }

  bool Open(Value container) {
    if (stack_.size() >= kMaxDepth) {
      return Fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    stack_.push_back(Open_{std::move(container), {}});
    return true;
  }

  bool Close() {
    Value finished = std::move(stack_.back().value);
    stack_.pop_back();
    return Add(std::move(finished));
  }

  std::vector<Open_> stack_;
  Value root_;
  std::string semantic_error_;
  std::string syntax_error_;
  size_t error_position_ = 0;
};

std::string LineAndColumn(std::string_view text, size_t position) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i + 1 < position && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

// nlohmann's messages start with "[json.exception.parse_error.101] parse error at line 1,
// column 2: "; keep only the part after the location, which says what was expected.
std::string CleanSyntaxMessage(const std::string& message) {
  const size_t colon = message.find(": ");
  std::string cleaned = colon == std::string::npos ? message : message.substr(colon + 2);
  return "invalid JSON: " + cleaned;
}

void WriteString(const std::string& text, std::string& out) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned char>(c));
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void Write(const Value& value, int indent, int depth, std::string& out) {
  auto newline = [&](int level) {
    if (indent < 0) return;
    out += '\n';
    out.append(static_cast<size_t>(indent * level), ' ');
  };
  switch (value.kind()) {
    case Value::Kind::kNull:
      out += "null";
      return;
    case Value::Kind::kBoolean:
      out += value.as_boolean() ? "true" : "false";
      return;
    case Value::Kind::kInteger:
      out += std::to_string(value.as_integer());
      return;
    case Value::Kind::kFloat:
      out += FormatFloat(value.as_float());
      return;
    case Value::Kind::kString:
      WriteString(value.as_string(), out);
      return;
    case Value::Kind::kExpression:
      Write(value.as_expression().ToValue(), indent, depth, out);
      return;
    case Value::Kind::kList: {
      const Value::List& list = value.as_list();
      if (list.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t i = 0; i < list.size(); ++i) {
        if (i > 0) out += indent < 0 ? "," : ",";
        newline(depth + 1);
        Write(list[i], indent, depth + 1, out);
      }
      newline(depth);
      out += ']';
      return;
    }
    case Value::Kind::kMap: {
      const Value::Map& map = value.as_map();
      if (map.empty()) {
        out += "{}";
        return;
      }
      out += '{';
      for (size_t i = 0; i < map.size(); ++i) {
        if (i > 0) out += ',';
        newline(depth + 1);
        WriteString(map[i].key, out);
        out += indent < 0 ? ":" : ": ";
        Write(map[i].value, indent, depth + 1, out);
      }
      newline(depth);
      out += '}';
      return;
    }
  }
}

}  // namespace

Result<Value> ParseJson(std::string_view text, std::string_view where) {
  ValueBuilder builder;
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(text.begin(), text.end(), &builder);
  } catch (const std::exception& error) {
    return InvalidArgument(std::string(where), std::string("invalid JSON: ") + error.what());
  }
  if (ok) return builder.TakeRoot();
  if (!builder.semantic_error().empty()) {
    return InvalidArgument(std::string(where), "invalid JSON: " + builder.semantic_error());
  }
  std::string location = std::string(where);
  if (!location.empty()) location += ":";
  location += LineAndColumn(text, builder.error_position());
  return InvalidArgument(location, CleanSyntaxMessage(builder.syntax_error()));
}

std::string WriteJson(const Value& value, int indent) {
  std::string out;
  Write(value, indent, 0, out);
  return out;
}

}  // namespace sluice
