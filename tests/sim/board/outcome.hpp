// A value or the HTTP error board would answer instead.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace hbsync::simboard {

struct Failure {
  int status = 422;
  std::string message;
};

template <class T>
class Outcome {
 public:
  Outcome(T value) : state_(std::move(value)) {}            // NOLINT: implicit by design
  Outcome(Failure failure) : state_(std::move(failure)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }
  T& operator*() { return std::get<T>(state_); }
  const T& operator*() const { return std::get<T>(state_); }
  T* operator->() { return &std::get<T>(state_); }
  const T* operator->() const { return &std::get<T>(state_); }
  const Failure& failure() const { return std::get<Failure>(state_); }

 private:
  std::variant<T, Failure> state_;
};

inline Failure unprocessable(std::string message) {
  return Failure{422, std::move(message)};
}
inline Failure bad_request(std::string message) {
  return Failure{400, std::move(message)};
}
inline Failure not_found(std::string message) {
  return Failure{404, std::move(message)};
}

}  // namespace hbsync::simboard
