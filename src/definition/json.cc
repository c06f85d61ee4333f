// WriteJson: a Value as JSON text. Reading is in json_reader.cc.
#include "definition/json.h"

#include "definition/expression.h"

#include <cstdio>

namespace sluice {
namespace {

// Runs of characters that need no escape are appended whole: a character at a time, writing a
// step's records and config files spent most of its time here.
void WriteString(const std::string& text, std::string& out) {
  out += '"';
  size_t plain = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text, plain, i - plain);
    plain = i + 1;
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
      default: {
        char buffer[8];
        std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
        out += buffer;
      }
    }
  }
  out.append(text, plain);
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

std::string WriteJson(const Value& value, int indent) {
  std::string out;
  Write(value, indent, 0, out);
  return out;
}

}  // namespace sluice
