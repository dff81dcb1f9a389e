// What an API call gives back: a value or the client's typed Error, never an
// exception for anything the API or the network can do. Each client keeps its
// own Error and names Result<T> as an alias of this.
#pragma once

#include <utility>
#include <variant>

namespace hbsync::apiclient {

template <class T, class Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}      // NOLINT: implicit on purpose
  Result(Error error) : value_(std::move(error)) {}  // NOLINT: implicit on purpose

  bool ok() const { return std::holds_alternative<T>(value_); }
  explicit operator bool() const { return ok(); }

  // Throw std::bad_variant_access when it holds the other alternative.
  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  const Error& error() const { return std::get<Error>(value_); }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> value_;
};

}  // namespace hbsync::apiclient
