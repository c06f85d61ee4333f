// Errors as values. `Result<T>` is shaped like C++23 `std::expected<T, Error>` (has_value, value,
// error, operator*, operator->) so that moving to the standard type later is a rename.
// An `Error` says where the problem is (a JSON Pointer, a parameter name, a step name, a URI)
// and what was expected and found; `ToString()` renders "where: message".
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace sluice {

enum class ErrorCode {
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kConflict,
  kUnavailable,
  kIo,
  kInternal,
};

std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string where;
  std::string message;

  std::string ToString() const;
  bool operator==(const Error&) const = default;
};

template <class E>
class Unexpected {
 public:
  explicit Unexpected(E error) : error_(std::move(error)) {}
  E& error() & { return error_; }
  E&& error() && { return std::move(error_); }

 private:
  E error_;
};

template <class E>
Unexpected(E) -> Unexpected<E>;

template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : data_(std::in_place_index<0>, value) {}
  Result(T&& value) : data_(std::in_place_index<0>, std::move(value)) {}
  template <class G>
  Result(Unexpected<G> error) : data_(std::in_place_index<1>, std::move(error).error()) {}
  Result(const E& error) : data_(std::in_place_index<1>, error) {}
  Result(E&& error) : data_(std::in_place_index<1>, std::move(error)) {}

  bool has_value() const { return data_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return CheckedValue(); }
  const T& value() const& { return const_cast<Result*>(this)->CheckedValue(); }
  T&& value() && { return std::move(CheckedValue()); }
  T& operator*() & { return CheckedValue(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(CheckedValue()); }
  T* operator->() { return &CheckedValue(); }
  const T* operator->() const { return &value(); }

  const E& error() const& { return std::get<1>(data_); }
  E& error() & { return std::get<1>(data_); }
  E&& error() && { return std::get<1>(std::move(data_)); }

 private:
  T& CheckedValue() {
    // Reading the value of a failed result is a programming error, never an input error.
    if (data_.index() != 0) std::abort();
    return std::get<0>(data_);
  }
  std::variant<T, E> data_;
};

template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  template <class G>
  Result(Unexpected<G> error) : error_(std::move(error).error()), has_error_(true) {}
  Result(const E& error) : error_(error), has_error_(true) {}
  Result(E&& error) : error_(std::move(error)), has_error_(true) {}

  bool has_value() const { return !has_error_; }
  explicit operator bool() const { return has_value(); }
  const E& error() const& { return error_; }
  E&& error() && { return std::move(error_); }

 private:
  E error_{};
  bool has_error_ = false;
};

Error MakeError(ErrorCode code, std::string where, std::string message);
inline Error InvalidArgument(std::string where, std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(where), std::move(message));
}
inline Error NotFound(std::string where, std::string message) {
  return MakeError(ErrorCode::kNotFound, std::move(where), std::move(message));
}

// Several independent problems found in one pass (validation reports all of them at once).
using Errors = std::vector<Error>;

}  // namespace sluice
