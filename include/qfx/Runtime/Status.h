//===- Status.h - Error reporting for the qfx runtime -----------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The runtime is embedded in other programs and wrapped by a C API, so it never
// throws across its public interface. Fallible functions return a Status or an
// Expected<T> carrying a human-readable message.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_RUNTIME_STATUS_H
#define QFX_RUNTIME_STATUS_H

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace qfx::rt {

/// The outcome of a fallible runtime operation: success, or an error with a
/// message. Cheap to copy on success (empty string).
class [[nodiscard]] Status {
public:
  /// Creates a success value.
  Status() = default;

  /// Returns a success value.
  static Status success() { return Status(); }
  /// Returns an error carrying \p message.
  static Status error(std::string message) {
    Status s;
    s.failed_ = true;
    s.message_ = std::move(message);
    return s;
  }

  /// True on success.
  bool ok() const { return !failed_; }
  /// True on error.
  bool failed() const { return failed_; }
  /// The error message; empty on success.
  const std::string &message() const { return message_; }

private:
  bool failed_ = false;
  std::string message_;
};

/// Either a value of type T or an error Status.
template <typename T> class [[nodiscard]] Expected {
public:
  /// Wraps a value.
  Expected(T value) : value_(std::move(value)) {}
  /// Wraps an error; \p status must be a failure.
  Expected(Status status) : status_(std::move(status)) {
    assert(status_.failed() && "Expected built from a success Status");
  }

  /// True when a value is held.
  bool ok() const { return value_.has_value(); }
  /// True when an error is held.
  bool failed() const { return !ok(); }
  /// The error (success when a value is held).
  const Status &status() const { return status_; }
  /// The error message; empty when a value is held.
  const std::string &message() const { return status_.message(); }

  T &operator*() {
    assert(ok());
    return *value_;
  }
  const T &operator*() const {
    assert(ok());
    return *value_;
  }
  T *operator->() { return &**this; }
  const T *operator->() const { return &**this; }

  /// Moves the held value out.
  T take() { return std::move(**this); }

private:
  std::optional<T> value_;
  Status status_;
};

} // namespace qfx::rt

#endif // QFX_RUNTIME_STATUS_H
