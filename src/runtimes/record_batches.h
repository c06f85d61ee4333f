// How a batch transform turns one input file into HTTP requests (DG batch-transform.md):
// SplitType decides what a record is (the whole file, or each line), and BatchStrategy with
// MaxPayloadInMB decides how many consecutive records one request carries. Pure functions over
// bytes already read; the driver sends the bodies and reassembles the answers in order.
#pragma once

#include "base/result.h"
#include "runtimes/transform_config.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// The records of a file. kNone: the whole file is one record (none when the file is empty).
// kLine: each line without its "\n" (and a "\r" before it); a final newline does not start
// another record, so "a\nb\n" and "a\nb" both hold two.
std::vector<std::string_view> SplitRecords(std::string_view contents, SplitType split);

// Consecutive records [first_record, first_record + record_count) sent in one request.
struct RecordBatch {
  size_t first_record = 0;
  size_t record_count = 0;
  size_t body_size = 0;
};

// Packs records into batches. SingleRecord: one record each. MultiRecord: as many consecutive
// records as fit in `max_payload_bytes` (0: no limit, which SageMaker streams one record at a
// time, so also one each). A record that alone exceeds the limit is an error naming `file` and
// the record's line.
Result<std::vector<RecordBatch>> PackRecords(const std::vector<std::string>& records,
                                             SplitType split, BatchStrategy strategy,
                                             int64_t max_payload_bytes, std::string_view file);

// The request body of a batch: with Line splitting each record followed by "\n", otherwise
// the record's bytes unchanged.
std::string BatchBody(const std::vector<std::string>& records, const RecordBatch& batch,
                      SplitType split);

// "records 3-7 (lines 3-7)", "record 4 (line 4)", or "the whole file" for SplitType None;
// 1-based, for messages.
std::string DescribeRecords(const RecordBatch& batch, SplitType split);

}  // namespace sluice
