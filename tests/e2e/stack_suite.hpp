// A test suite on one shared e2e Stack (harness.hpp), started once for the
// suite with the default StackOptions: a test fails at once when the stack
// did not start, and prints the logs (Stack::finish_test) when it failed.
// Every test provisions its own tenant, so tests do not see each other's data.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <string>

#include "harness.hpp"

namespace hbsync::e2e {

class StackSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      stack_ = new Stack(StackOptions{});
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(stack_, nullptr) << "the e2e stack did not start: " << start_error_;
  }
  void TearDown() override {
    if (stack_ == nullptr) return;
    restore_simulators();
    stack_->finish_test();
  }

  // Undoes what a test switched in the simulators (paused or reordered
  // webhooks), before the next test.
  virtual void restore_simulators() {}

  Stack& s() { return *stack_; }

 private:
  static inline Stack* stack_ = nullptr;
  static inline std::string start_error_;
};

}  // namespace hbsync::e2e
