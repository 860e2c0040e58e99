// ichannel/result.hpp: Error and Result<T>, a minimal expected<T, Error> for the cold path.
//
// Contract
// - Error carries one human-readable message that names the channel/file/field and the reason.
// - Result<T> holds either a T or an Error. value()/operator*/operator-> on an error (and error()
//   on a value) are programming errors: they throw std::logic_error carrying the message.
// - Cold path only (allocates); hot code never returns a Result.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace ichannel {

struct Error {
  std::string message;
};

template <class T>
class Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  [[nodiscard]] bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & {
    check();
    return std::get<0>(v_);
  }
  const T& value() const& {
    check();
    return std::get<0>(v_);
  }
  T&& value() && {
    check();
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    if (has_value()) throw std::logic_error("ichannel::Result::error() called on a value");
    return std::get<1>(v_);
  }

 private:
  void check() const {
    if (!has_value())
      throw std::logic_error("ichannel::Result holds an error: " + std::get<1>(v_).message);
  }
  std::variant<T, Error> v_;
};

}  // namespace ichannel
