#include "definition/json.h"

#include "base/text.h"
#include "definition/expression.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iterator>
#include <limits>

namespace sluice {
namespace {

// Deeper documents are refused: nothing SageMaker accepts comes close, and every later pass
// over a Value recurses.
constexpr size_t kMaxDepth = 256;

// Reads the text for nlohmann's parser and remembers how far it has read. SAX events carry no
// position, so this is how an error found in a callback (a duplicate key, too deep a nesting)
// gets a line and column like a syntax error.
class TrackingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  TrackingIterator(const char* at, const char** furthest) : at_(at), furthest_(furthest) {}
  reference operator*() const { return *at_; }
  TrackingIterator& operator++() {
    *furthest_ = ++at_;
    return *this;
  }
  TrackingIterator operator++(int) {
    TrackingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const TrackingIterator& other) const { return at_ == other.at_; }

 private:
  const char* at_;
  const char** furthest_;
};

// Builds a Value directly from nlohmann's SAX events: one pass, key order kept, duplicates seen.
class ValueBuilder : public nlohmann::json_sax<nlohmann::json> {
 public:
  // `read_end` is where the parser has read up to: just past the last token it saw.
  explicit ValueBuilder(const char* const* read_end) : read_end_(read_end) {}

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
      return Fail("duplicate key " + Quote(key) + " in the object at " + Pointer());
    }
    stack_.back().pending_key = std::move(key);
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(Value::EmptyList()); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& error) override {
    // `position` counts the characters read, the offending one included.
    error_offset_ = position > 0 ? position - 1 : 0;
    syntax_error_ = error.what();
    return false;
  }

  Value TakeRoot() { return std::move(root_); }
  const std::string& semantic_error() const { return semantic_error_; }
  const std::string& syntax_error() const { return syntax_error_; }
  // Offsets of the character at which the error was found, from the start of `text`.
  size_t error_offset() const { return error_offset_; }
  size_t semantic_error_offset(const char* text) const {
    return semantic_error_end_ > text ? static_cast<size_t>(semantic_error_end_ - text) - 1 : 0;
  }

 private:
  struct Open_ {
    Value value;
    std::string pending_key;
  };

  // Called right after the token at fault was read: its last character is the one before
  // `read_end_`.
  bool Fail(std::string message) {
    semantic_error_ = std::move(message);
    semantic_error_end_ = *read_end_;
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
  const char* const* read_end_;
  std::string semantic_error_;
  const char* semantic_error_end_ = nullptr;
  std::string syntax_error_;
  size_t error_offset_ = 0;
};

bool IsDelimiter(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' || c == '{' || c == '}' ||
         c == '[' || c == ']' || c == ':' || c == ',';
}

// Where the token holding `offset` starts (the opening quote of a string, the first character
// of a number or literal): where a reader looks for the mistake. The end of the text is
// reported as itself.
size_t TokenStart(std::string_view text, size_t offset) {
  if (offset >= text.size()) return text.size();
  size_t start = 0;
  for (size_t i = 0; i <= offset;) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    start = i++;
    if (c == '"') {
      while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
      ++i;
    } else if (!IsDelimiter(c)) {
      while (i < text.size() && !IsDelimiter(text[i])) ++i;
    }
  }
  return start;
}

std::string LineAndColumn(std::string_view text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
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
// The message quotes the text last read, which may hold the ill-formed UTF-8 it complains
// about; such bytes are written as \xNN so that the message itself stays valid UTF-8.
std::string CleanSyntaxMessage(const std::string& message) {
  const size_t colon = message.find(": ");
  const std::string_view text = colon == std::string::npos
                                    ? std::string_view(message)
                                    : std::string_view(message).substr(colon + 2);
  std::string cleaned = "invalid JSON: ";
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80                    ? 1
                          : lead >= 0xC2 && lead <= 0xDF ? 2
                          : lead >= 0xE0 && lead <= 0xEF ? 3
                          : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                         : 0;
    bool is_well_formed = length > 0 && i + length <= text.size();
    for (size_t k = 1; is_well_formed && k < length; ++k) {
      is_well_formed = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    }
    if (is_well_formed) {
      cleaned.append(text.substr(i, length));
      i += length;
    } else {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\x%02X", lead);
      cleaned += buffer;
      ++i;
    }
  }
  return cleaned;
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
  const char* read_end = text.data();
  ValueBuilder builder(&read_end);
  bool ok = false;
  try {
    ok =
        nlohmann::json::sax_parse(TrackingIterator(text.data(), &read_end),
                                  TrackingIterator(text.data() + text.size(), &read_end), &builder);
  } catch (const std::exception& error) {
    return InvalidArgument(std::string(where), std::string("invalid JSON: ") + error.what());
  }
  if (ok) return builder.TakeRoot();
  std::string location = std::string(where);
  if (!location.empty()) location += ":";
  if (!builder.semantic_error().empty()) {
    location += LineAndColumn(text, TokenStart(text, builder.semantic_error_offset(text.data())));
    return InvalidArgument(location, "invalid JSON: " + builder.semantic_error());
  }
  size_t offset = builder.error_offset();
  // A misspelt literal ("tru]") is found at the character after it; point at the word instead.
  if (builder.syntax_error().find("invalid literal") != std::string::npos && offset > 0 &&
      offset < text.size() && IsDelimiter(text[offset]) && !IsDelimiter(text[offset - 1])) {
    --offset;
  }
  location += LineAndColumn(text, TokenStart(text, offset));
  return InvalidArgument(location, CleanSyntaxMessage(builder.syntax_error()));
}

std::string WriteJson(const Value& value, int indent) {
  std::string out;
  Write(value, indent, 0, out);
  return out;
}

}  // namespace sluice
