// ParseJson: JSON text (RFC 8259) straight into a Value, in one pass over the text. Written for
// definitions of thousands of steps (docs/adr/0003-definition-json-reader.md): containers are
// built at their final size from a scratch stack, strings are copied once, and positions are
// only turned into line and column when there is an error to report.
#include "base/text.h"
#include "definition/json.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>

namespace sluice {
namespace {

// Deeper documents are refused: nothing SageMaker accepts comes close, and every later pass
// over a Value recurses.
constexpr size_t kMaxDepth = 256;
// Objects up to this size are checked for duplicate keys pairwise; larger ones by sorting.
constexpr size_t kPairwiseKeyCheckLimit = 16;

bool IsWhitespace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

bool IsStructural(char c) {
  return c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',' || c == '"';
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

std::string Byte(unsigned char byte) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "\\x%02X", byte);
  return buffer;
}

// The length of the well-formed UTF-8 sequence at the start of `text` (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or 0.
size_t Utf8SequenceLength(std::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto in = [&](size_t i, unsigned char low, unsigned char high) {
    return i < text.size() && byte(i) >= low && byte(i) <= high;
  };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    const unsigned char low = lead == 0xE0 ? 0xA0 : 0x80, high = lead == 0xED ? 0x9F : 0xBF;
    return in(1, low, high) && in(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    const unsigned char low = lead == 0xF0 ? 0x90 : 0x80, high = lead == 0xF4 ? 0x8F : 0xBF;
    return in(1, low, high) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

void AppendUtf8(uint32_t code_point, std::string& out) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

class Reader {
 public:
  Reader(std::string_view text, NullMembers null_members, const ListItemSink* sink)
      : text_(text), null_members_(null_members), sink_(sink) {}

  Result<Value> Read(std::string_view where) {
    // A byte-order mark is not JSON, but editors write one.
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") at_ = 3;
    Value root = ReadValue(0);
    if (!failed_) {
      SkipWhitespace();
      if (at_ == text_.size()) return root;
      Fail(at_, "unexpected " + DescribeTokenAt(at_) + " after the end of the JSON value");
    }
    std::string location(where);
    if (!location.empty()) location += ":";
    return InvalidArgument(location + LineAndColumn(text_, error_offset_),
                           "invalid JSON: " + error_);
  }

 private:
  // Records the first error; every reading function returns false from then on.
  bool Fail(size_t offset, std::string message) {
    failed_ = true;
    error_offset_ = offset;
    error_ = std::move(message);
    return false;
  }
  Value Failed(size_t offset, std::string message) {
    Fail(offset, std::move(message));
    return Value();
  }

  void SkipWhitespace() {
    while (at_ < text_.size() && IsWhitespace(text_[at_])) ++at_;
  }

  // What stands at `offset`, for "expected X, got Y" messages.
  std::string DescribeTokenAt(size_t offset) {
    if (offset >= text_.size()) return "the end of the text";
    const auto c = static_cast<unsigned char>(text_[offset]);
    if (c == '"') {
      const std::optional<std::string> content = StringAt(offset);
      if (!content) return "a string";
      return "string " + Quote(content->size() > 40 ? content->substr(0, 37) + "..." : *content);
    }
    if (IsStructural(static_cast<char>(c))) return Quote(std::string_view(&text_[offset], 1));
    if (c < 0x20) return "control character " + Byte(c);
    if (c >= 0x80) {
      const size_t length = Utf8SequenceLength(text_.substr(offset));
      if (length == 0) return "byte " + Byte(c);
      return Quote(text_.substr(offset, length));
    }
    size_t end = offset;
    while (end < text_.size() && end - offset < 40 && !IsWhitespace(text_[end]) &&
           !IsStructural(text_[end]) && static_cast<unsigned char>(text_[end]) >= 0x20 &&
           static_cast<unsigned char>(text_[end]) < 0x80) {
      ++end;
    }
    return Quote(text_.substr(offset, end - offset));
  }

  // A comma is the likely fix when a value follows a value.
  std::string MissingCommaHint(size_t offset) const {
    if (offset >= text_.size()) return "";
    const char c = text_[offset];
    return c == '"' || c == '{' || c == '[' || c == '-' || (c >= '0' && c <= '9') || c == 't' ||
                   c == 'f' || c == 'n'
               ? " (is a comma missing?)"
               : "";
  }

  std::string Pointer() {
    std::string pointer;
    for (const Level& level : path_) {
      pointer = level.key_offset != kNoMember
                    ? PointerAppend(pointer, StringAt(level.key_offset).value_or(""))
                    : PointerAppend(pointer, level.index);
    }
    return pointer.empty() ? "/" : pointer;
  }

  // The string whose opening quote is at `offset`, read again for a message; the reader and its
  // first error are left as they were.
  std::optional<std::string> StringAt(size_t offset) {
    const size_t saved_at = at_, saved_offset = error_offset_;
    const bool saved_failed = failed_;
    std::string saved_error = error_;
    at_ = offset;
    std::string content;
    const bool ok = ReadString(content);
    at_ = saved_at;
    failed_ = saved_failed;
    error_offset_ = saved_offset;
    error_ = std::move(saved_error);
    if (!ok) return std::nullopt;
    return content;
  }

  // Values are returned, built in place; after a failure (failed_) the value is meaningless.
  Value ReadValue(size_t depth) {
    SkipWhitespace();
    if (at_ >= text_.size()) {
      return Failed(at_, "expected a value, got the end of the text");
    }
    switch (text_[at_]) {
      case '{':
        return ReadObject(depth);
      case '[':
        return ReadList(depth);
      case '"': {
        std::string text;
        if (!ReadString(text)) return Value();
        return Value(std::move(text));
      }
      case 't':
        return ReadLiteral("true", Value(true));
      case 'f':
        return ReadLiteral("false", Value(false));
      case 'n':
        return ReadLiteral("null", Value());
      default:
        if (text_[at_] == '-' || (text_[at_] >= '0' && text_[at_] <= '9')) return ReadNumber();
        return Failed(at_,
                      "expected a value (an object, a list, a string, a number, true, false "
                      "or null), got " +
                          DescribeTokenAt(at_));
    }
  }

  Value ReadLiteral(std::string_view word, Value value) {
    if (text_.substr(at_, word.size()) != word ||
        (at_ + word.size() < text_.size() && !IsWhitespace(text_[at_ + word.size()]) &&
         !IsStructural(text_[at_ + word.size()]))) {
      return Failed(at_,
                    "expected a value (an object, a list, a string, a number, true, false or "
                    "null), got " +
                        DescribeTokenAt(at_));
    }
    at_ += word.size();
    return value;
  }

  Value ReadNumber() {
    const size_t start = at_;
    size_t i = at_;
    const auto digit = [&](size_t k) {
      return k < text_.size() && text_[k] >= '0' && text_[k] <= '9';
    };
    const auto invalid = [&](std::string_view why) {
      size_t end = i;
      while (end < text_.size() && !IsWhitespace(text_[end]) && !IsStructural(text_[end])) ++end;
      return Failed(start, "invalid number " +
                               Quote(text_.substr(start, std::min<size_t>(end - start, 40))) +
                               ": " + std::string(why));
    };
    if (text_[i] == '-') ++i;
    if (!digit(i)) return invalid("expected a digit");
    if (text_[i] == '0' && digit(i + 1)) return invalid("a number cannot start with 0");
    while (digit(i)) ++i;
    bool is_integer = true;
    bool has_negative_exponent = false;
    if (i < text_.size() && text_[i] == '.') {
      is_integer = false;
      ++i;
      if (!digit(i)) return invalid("expected a digit after the decimal point");
      while (digit(i)) ++i;
    }
    if (i < text_.size() && (text_[i] == 'e' || text_[i] == 'E')) {
      is_integer = false;
      ++i;
      if (i < text_.size() && (text_[i] == '+' || text_[i] == '-')) {
        has_negative_exponent = text_[i] == '-';
        ++i;
      }
      if (!digit(i)) return invalid("expected a digit in the exponent");
      while (digit(i)) ++i;
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + i;
    at_ = i;
    if (is_integer) {
      int64_t integer = 0;
      auto [end, error] = std::from_chars(first, last, integer);
      if (error == std::errc() && end == last) return Value(integer);
      // Past int64, like JSON readers generally, the number becomes a float.
    }
    double number = 0;
    auto [end, error] = std::from_chars(first, last, number);
    if (error == std::errc::result_out_of_range && has_negative_exponent) {
      number = *first == '-' ? -0.0 : 0.0;  // too small to tell from zero
    } else if (error != std::errc() || end != last) {
      return Failed(start, "number " + Quote(text_.substr(start, std::min<size_t>(i - start, 40))) +
                               " is too large");
    }
    return Value(number);
  }

  // The first byte from `i` on that a string reader must look at: a quote, a backslash, a
  // control character or a byte outside ASCII. Eight bytes are tested at a time.
  size_t SkipPlainBytes(size_t i) const {
    constexpr uint64_t kOnes = 0x0101010101010101, kHighBits = 0x8080808080808080;
    const auto has_zero_byte = [](uint64_t word) { return (word - kOnes) & ~word & kHighBits; };
    while (i + 8 <= text_.size()) {
      uint64_t word = 0;
      std::memcpy(&word, text_.data() + i, sizeof word);
      const uint64_t special = has_zero_byte(word ^ (kOnes * '"')) |
                               has_zero_byte(word ^ (kOnes * '\\')) |
                               ((word - kOnes * 0x20) & ~word & kHighBits) | (word & kHighBits);
      if (special != 0) break;
      i += 8;
    }
    while (i < text_.size()) {
      const auto c = static_cast<unsigned char>(text_[i]);
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
      ++i;
    }
    return i;
  }

  // At the opening quote; leaves `at_` after the closing one.
  bool ReadString(std::string& out) {
    const size_t start = at_++;
    size_t run = at_;  // start of the bytes not yet copied to `out`
    while (true) {
      // The common case: printable ASCII, copied in one go at the next special byte.
      at_ = SkipPlainBytes(at_);
      if (at_ >= text_.size()) return Fail(start, "this string is never closed");
      const auto c = static_cast<unsigned char>(text_[at_]);
      if (c == '"') {
        out.append(text_.data() + run, at_ - run);
        ++at_;
        return true;
      }
      if (c >= 0x80) {
        const size_t length = Utf8SequenceLength(text_.substr(at_));
        if (length == 0) return Fail(at_, "ill-formed UTF-8 in a string (byte " + Byte(c) + ")");
        at_ += length;
        continue;
      }
      if (c < 0x20) {
        char escaped[8];
        std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
        return Fail(at_,
                    "control character " + Byte(c) + " in a string must be written as " + escaped);
      }
      out.append(text_.data() + run, at_ - run);
      if (!ReadEscape(out)) return false;
      run = at_;
    }
  }

  // At a backslash inside a string.
  bool ReadEscape(std::string& out) {
    const size_t start = at_++;
    if (at_ >= text_.size()) return Fail(start, "a string ends inside an escape");
    const char c = text_[at_++];
    switch (c) {
      case '"':
      case '\\':
      case '/':
        out += c;
        return true;
      case 'b':
        out += '\b';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 't':
        out += '\t';
        return true;
      case 'u': {
        uint32_t code_point = 0;
        if (!ReadHex4(start, code_point)) return false;
        if (code_point >= 0xDC00 && code_point <= 0xDFFF) {
          return Fail(start,
                      "\\u escape of a lone low surrogate (a pair starts with \\uD800 "
                      "to \\uDBFF)");
        }
        if (code_point >= 0xD800 && code_point <= 0xDBFF) {
          uint32_t low = 0;
          if (text_.substr(at_, 2) != "\\u") {
            return Fail(start, "\\u escape of a high surrogate without the low one after it");
          }
          at_ += 2;
          if (!ReadHex4(start, low)) return false;
          if (low < 0xDC00 || low > 0xDFFF) {
            return Fail(start, "\\u escape of a high surrogate without the low one after it");
          }
          code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
        }
        AppendUtf8(code_point, out);
        return true;
      }
      default:
        return Fail(start, "invalid escape " + DescribeEscape(start) +
                               " in a string (expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t "
                               "\\uXXXX)");
    }
  }

  std::string DescribeEscape(size_t backslash) const {
    const auto c = static_cast<unsigned char>(text_[backslash + 1]);
    if (c < 0x20 || c >= 0x80) return "\"\\\" before byte " + Byte(c);
    return "\"\\" + std::string(1, static_cast<char>(c)) + "\"";
  }

  bool ReadHex4(size_t escape_start, uint32_t& out) {
    if (at_ + 4 > text_.size()) return Fail(escape_start, "\\u escape needs four hex digits");
    uint32_t value = 0;
    for (size_t k = 0; k < 4; ++k) {
      const char c = text_[at_ + k];
      value <<= 4;
      if (c >= '0' && c <= '9') {
        value |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        value |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        value |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return Fail(escape_start, "\\u escape needs four hex digits");
      }
    }
    at_ += 4;
    out = value;
    return true;
  }

  Value ReadObject(size_t depth) {
    if (depth >= kMaxDepth) {
      return Failed(at_, "nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    ++at_;
    const size_t base = members_.size();
    path_.push_back(Level{});
    SkipWhitespace();
    if (at_ < text_.size() && text_[at_] == '}') {
      ++at_;
    } else {
      while (true) {
        SkipWhitespace();
        if (at_ >= text_.size() || text_[at_] != '"') {
          const bool after_comma = members_.size() > base;
          return Failed(at_, std::string("expected ") +
                                 (after_comma ? "the name of the next member in double quotes, got "
                                              : "a member name in double quotes or \"}\", got ") +
                                 DescribeTokenAt(at_) +
                                 (after_comma && at_ < text_.size() && text_[at_] == '}'
                                      ? " (JSON allows no comma after the last member)"
                                      : ""));
        }
        const size_t key_offset = at_;
        std::string key;
        if (!ReadString(key)) return Value();
        SkipWhitespace();
        if (at_ >= text_.size() || text_[at_] != ':') {
          return Failed(at_, "expected \":\" after the member name " + Quote(key) + ", got " +
                                 DescribeTokenAt(at_));
        }
        ++at_;
        path_.back().key_offset = key_offset;
        // Read into a local: members_ grows, and may move, while the value is read.
        Value value = ReadValue(depth + 1);
        if (failed_) return Value();
        // In place rather than through a temporary Member: one move of each part, not two.
        Member& member = members_.emplace_back();
        member.key = std::move(key);
        member.value = std::move(value);
        key_offsets_.push_back(key_offset);
        SkipWhitespace();
        if (at_ < text_.size() && text_[at_] == ',') {
          ++at_;
          continue;
        }
        if (at_ < text_.size() && text_[at_] == '}') {
          ++at_;
          break;
        }
        return Failed(at_, "expected \",\" or \"}\" after a member of the object, got " +
                               DescribeTokenAt(at_) + MissingCommaHint(at_));
      }
    }
    path_.pop_back();
    if (!CheckUniqueKeys(base)) return Value();
    const auto first = members_.begin() + static_cast<ptrdiff_t>(base);
    if (null_members_ == NullMembers::kLeaveOut) {
      // Only now, so that {"a": null, "a": 1} is still a duplicate key.
      members_.erase(std::remove_if(first, members_.end(),
                                    [](const Member& member) { return member.value.is_null(); }),
                     members_.end());
    }
    Value object(
        Value::Map(std::make_move_iterator(members_.begin() + static_cast<ptrdiff_t>(base)),
                   std::make_move_iterator(members_.end())));
    members_.resize(base);
    key_offsets_.resize(base);
    return object;
  }

  // The members of the object just read are members_[base...].
  bool CheckUniqueKeys(size_t base) {
    const size_t count = members_.size() - base;
    size_t duplicate = members_.size();
    if (count <= kPairwiseKeyCheckLimit) {
      for (size_t i = base + 1; i < members_.size() && duplicate == members_.size(); ++i) {
        for (size_t j = base; j < i; ++j) {
          if (members_[j].key == members_[i].key) {
            duplicate = i;
            break;
          }
        }
      }
    } else {
      std::vector<size_t> order(count);
      for (size_t i = 0; i < count; ++i) order[i] = base + i;
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t a, size_t b) { return members_[a].key < members_[b].key; });
      for (size_t i = 1; i < count; ++i) {
        if (members_[order[i]].key == members_[order[i - 1]].key) {
          duplicate = std::min(duplicate, order[i]);
        }
      }
    }
    if (duplicate == members_.size()) return true;
    return Fail(key_offsets_[duplicate], "duplicate key " + Quote(members_[duplicate].key) +
                                             " in the object at " + Pointer());
  }

  Value ReadList(size_t depth) {
    if (depth >= kMaxDepth) {
      return Failed(at_, "nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    ++at_;
    const size_t base = items_.size();
    const bool is_sunk = IsSinkList();
    path_.push_back(Level{});
    SkipWhitespace();
    if (at_ < text_.size() && text_[at_] == ']') {
      ++at_;
    } else {
      while (true) {
        SkipWhitespace();
        if (items_.size() > base && at_ < text_.size() && text_[at_] == ']') {
          return Failed(at_,
                        "expected a value after \",\", got \"]\" (JSON allows no comma after "
                        "the last item)");
        }
        path_.back().index = items_.size() - base;
        // Read into a local: items_ grows, and may move, while the item is read.
        Value item = ReadValue(depth + 1);
        if (failed_) return Value();
        if (is_sunk) {
          sink_->take(std::move(item), items_.size() - base);
          item = Value();
        }
        items_.push_back(std::move(item));
        SkipWhitespace();
        if (at_ < text_.size() && text_[at_] == ',') {
          ++at_;
          continue;
        }
        if (at_ < text_.size() && text_[at_] == ']') {
          ++at_;
          break;
        }
        return Failed(at_, "expected \",\" or \"]\" after an item of the list, got " +
                               DescribeTokenAt(at_) + MissingCommaHint(at_));
      }
    }
    path_.pop_back();
    Value list(Value::List(std::make_move_iterator(items_.begin() + static_cast<ptrdiff_t>(base)),
                           std::make_move_iterator(items_.end())));
    items_.resize(base);
    return list;
  }

  // Whether the list starting now is the sink's: the value of a member of the root object.
  bool IsSinkList() {
    if (sink_ == nullptr || path_.size() != 1 || path_[0].key_offset == kNoMember) return false;
    return StringAt(path_[0].key_offset) == std::optional<std::string>(sink_->member);
  }

  // Where a reader is, for the JSON Pointer of an error: the member of an object being read
  // (the offset of its name in the text) or the index in a list.
  static constexpr size_t kNoMember = std::numeric_limits<size_t>::max();
  struct Level {
    size_t key_offset = kNoMember;
    size_t index = 0;
  };

  std::string_view text_;
  NullMembers null_members_;
  const ListItemSink* sink_;
  size_t at_ = 0;
  // The members and items of every container being read, innermost last; a container takes
  // its own off the end when it closes, at its final size.
  std::vector<Member> members_;
  std::vector<size_t> key_offsets_;
  std::vector<Value> items_;
  std::vector<Level> path_;
  bool failed_ = false;
  size_t error_offset_ = 0;
  std::string error_;
};

}  // namespace

Result<Value> ParseJson(std::string_view text, std::string_view where, NullMembers null_members) {
  return Reader(text, null_members, nullptr).Read(where);
}

Result<Value> ParseJson(std::string_view text, std::string_view where, NullMembers null_members,
                        const ListItemSink& sink) {
  return Reader(text, null_members, &sink).Read(where);
}

}  // namespace sluice
