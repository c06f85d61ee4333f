// A transform job's DataProcessing (DG batch-transform-data-processing.md) for CSV records:
// InputFilter selects the columns sent to the model, JoinSource=Input appends the model's output
// to the input record, and OutputFilter selects the columns written. Filters are the JSONPath
// subset that addresses CSV columns: `$` (everything), `$[2]`, `$[-1]`, `$[1:]`, `$[:-1]`,
// `$[1:3]` (end excluded), and unions such as `$[0,2]` or `$[0,3:]`. Anything else (JSON
// members such as `$.features`) is refused as not supported locally. Pure functions.
#pragma once

#include "base/result.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

class ColumnFilter {
 public:
  // `where` names the setting in errors ("DataProcessing.InputFilter").
  static Result<ColumnFilter> Parse(std::string_view path, std::string_view where);

  bool selects_everything() const { return selects_everything_; }
  const std::string& path() const { return path_; }

  // The selected columns of one CSV record, re-joined with ",". An index past the record's
  // columns is an error saying how many columns the record has.
  Result<std::string> Apply(std::string_view record) const;

 private:
  struct Selection {
    bool is_slice = false;
    long index = 0;             // !is_slice
    std::optional<long> start;  // is_slice
    std::optional<long> end;    // is_slice, excluded
  };

  std::string path_;
  bool selects_everything_ = true;
  std::vector<Selection> selections_;
};

// The fields of one CSV record: split at commas outside double quotes; quotes are kept, so
// re-joining the fields reproduces the record.
std::vector<std::string_view> SplitCsvFields(std::string_view record);

// True for the CSV media types (text/csv with or without parameters, "csv").
bool IsCsvContentType(std::string_view content_type);

}  // namespace sluice
