#include "runtimes/data_processing.h"

#include "base/text.h"

#include <cctype>
#include <charconv>

namespace sluice {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

std::optional<long> ParseIndex(std::string_view text) {
  text = Trim(text);
  long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// Python's slice clamping: negative bounds count from the end, then clamp to [0, count].
size_t ClampBound(std::optional<long> bound, size_t count, size_t absent) {
  if (!bound) return absent;
  long value = *bound < 0 ? *bound + static_cast<long>(count) : *bound;
  if (value < 0) value = 0;
  if (value > static_cast<long>(count)) value = static_cast<long>(count);
  return static_cast<size_t>(value);
}

}  // namespace

std::vector<std::string_view> SplitCsvFields(std::string_view record) {
  std::vector<std::string_view> fields;
  bool in_quotes = false;
  size_t start = 0;
  for (size_t index = 0; index < record.size(); ++index) {
    if (record[index] == '"') {
      in_quotes = !in_quotes;
    } else if (record[index] == ',' && !in_quotes) {
      fields.push_back(record.substr(start, index - start));
      start = index + 1;
    }
  }
  fields.push_back(record.substr(start));
  return fields;
}

bool IsCsvContentType(std::string_view content_type) {
  const std::string_view media = Trim(content_type.substr(0, content_type.find(';')));
  return media == "text/csv" || media == "csv";
}

Result<ColumnFilter> ColumnFilter::Parse(std::string_view path, std::string_view where) {
  ColumnFilter filter;
  filter.path_ = std::string(path);
  const std::string_view trimmed = Trim(path);
  if (trimmed.empty() || trimmed == "$" || trimmed == "$[*]") return filter;
  auto unsupported = [&] {
    return InvalidArgument(std::string(where),
                           Quote(path) +
                               " is not supported locally: expected $, or column selections "
                               "on CSV records such as $[1:], $[0,2], $[-1] or $[1:3]");
  };
  if (trimmed.size() < 4 || trimmed.substr(0, 2) != "$[" || trimmed.back() != ']') {
    return unsupported();
  }
  std::string_view items = trimmed.substr(2, trimmed.size() - 3);
  while (true) {
    const size_t comma = items.find(',');
    const std::string_view item = Trim(items.substr(0, comma));
    Selection selection;
    if (const size_t colon = item.find(':'); colon != std::string_view::npos) {
      selection.is_slice = true;
      const std::string_view start = Trim(item.substr(0, colon));
      const std::string_view end = Trim(item.substr(colon + 1));
      if (!start.empty()) {
        selection.start = ParseIndex(start);
        if (!selection.start) return unsupported();
      }
      if (!end.empty()) {
        selection.end = ParseIndex(end);
        if (!selection.end) return unsupported();
      }
    } else {
      const std::optional<long> index = ParseIndex(item);
      if (!index) return unsupported();
      selection.index = *index;
    }
    filter.selections_.push_back(selection);
    if (comma == std::string_view::npos) break;
    items = items.substr(comma + 1);
  }
  filter.selects_everything_ = false;
  return filter;
}

Result<std::string> ColumnFilter::Apply(std::string_view record) const {
  if (selects_everything_) return std::string(record);
  const std::vector<std::string_view> fields = SplitCsvFields(record);
  const size_t count = fields.size();
  std::vector<std::string_view> selected;
  for (const Selection& selection : selections_) {
    if (!selection.is_slice) {
      const long index =
          selection.index < 0 ? selection.index + static_cast<long>(count) : selection.index;
      if (index < 0 || index >= static_cast<long>(count)) {
        return InvalidArgument(path_, "selects column " + std::to_string(selection.index) +
                                          " of a record with " + std::to_string(count) +
                                          " columns");
      }
      selected.push_back(fields[static_cast<size_t>(index)]);
      continue;
    }
    const size_t start = ClampBound(selection.start, count, 0);
    const size_t end = ClampBound(selection.end, count, count);
    for (size_t index = start; index < end; ++index) selected.push_back(fields[index]);
  }
  std::string joined;
  for (size_t index = 0; index < selected.size(); ++index) {
    if (index > 0) joined += ',';
    joined += selected[index];
  }
  return joined;
}

}  // namespace sluice
