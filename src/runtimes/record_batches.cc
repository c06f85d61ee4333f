#include "runtimes/record_batches.h"

#include "base/text.h"

namespace sluice {
namespace {

size_t EncodedSize(const std::string& record, SplitType split) {
  return record.size() + (split == SplitType::kLine ? 1 : 0);
}

std::string MegabytesOf(int64_t bytes) { return std::to_string(bytes / (1024 * 1024)) + " MB"; }

}  // namespace

std::vector<std::string_view> SplitRecords(std::string_view contents, SplitType split) {
  std::vector<std::string_view> records;
  if (contents.empty()) return records;
  if (split == SplitType::kNone) {
    records.push_back(contents);
    return records;
  }
  size_t start = 0;
  while (start < contents.size()) {
    size_t end = contents.find('\n', start);
    const size_t next = end == std::string_view::npos ? contents.size() : end + 1;
    if (end == std::string_view::npos) end = contents.size();
    std::string_view line = contents.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    records.push_back(line);
    start = next;
  }
  return records;
}

Result<std::vector<RecordBatch>> PackRecords(const std::vector<std::string>& records,
                                             SplitType split, BatchStrategy strategy,
                                             int64_t max_payload_bytes, std::string_view file) {
  std::vector<RecordBatch> batches;
  const bool is_limited = max_payload_bytes > 0;
  const bool packs_many = strategy == BatchStrategy::kMultiRecord && is_limited;
  for (size_t index = 0; index < records.size(); ++index) {
    const size_t size = EncodedSize(records[index], split);
    if (is_limited && size > static_cast<size_t>(max_payload_bytes)) {
      const RecordBatch alone{index, 1, size};
      return InvalidArgument(std::string(file), DescribeRecords(alone, split) + " is " +
                                                    std::to_string(size) +
                                                    " bytes, more than MaxPayloadInMB allows (" +
                                                    MegabytesOf(max_payload_bytes) + ")");
    }
    if (packs_many && !batches.empty() &&
        batches.back().body_size + size <= static_cast<size_t>(max_payload_bytes)) {
      batches.back().record_count += 1;
      batches.back().body_size += size;
      continue;
    }
    batches.push_back(RecordBatch{index, 1, size});
  }
  return batches;
}

std::string BatchBody(const std::vector<std::string>& records, const RecordBatch& batch,
                      SplitType split) {
  std::string body;
  body.reserve(batch.body_size);
  for (size_t index = batch.first_record; index < batch.first_record + batch.record_count;
       ++index) {
    body += records[index];
    if (split == SplitType::kLine) body += '\n';
  }
  return body;
}

std::string DescribeRecords(const RecordBatch& batch, SplitType split) {
  if (split == SplitType::kNone) return "the whole file";
  const std::string first = std::to_string(batch.first_record + 1);
  if (batch.record_count == 1) return "record " + first + " (line " + first + ")";
  const std::string last = std::to_string(batch.first_record + batch.record_count);
  return "records " + first + "-" + last + " (lines " + first + "-" + last + ")";
}

}  // namespace sluice
