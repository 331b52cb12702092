// gtest assertions for Expected<T> results, shared by every suite.
#pragma once

#include <gtest/gtest.h>

#include <utility>

#include "core/Error.h"

#define GALAOS_TEST_CONCAT_INNER(a, b) a##b
#define GALAOS_TEST_CONCAT(a, b) GALAOS_TEST_CONCAT_INNER(a, b)

// Fails the test (with the error's message) unless `expr` succeeded.
#define ASSERT_OK(expr)                                                  \
  do {                                                                   \
    const auto& galaos_ok_ = (expr);                                     \
    ASSERT_TRUE(galaos_ok_.has_value()) << galaos_ok_.error().message(); \
  } while (false)

// `lhs = *expr`, failing the test (with the error's message) if `expr` failed.
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  GALAOS_ASSERT_OK_AND_ASSIGN_IMPL(GALAOS_TEST_CONCAT(galaos_result_, __LINE__), lhs, expr)
#define GALAOS_ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                     \
  ASSERT_TRUE(tmp.has_value()) << tmp.error().message(); \
  lhs = std::move(*tmp)

// Fails the test unless `expr` failed with `code`.
#define EXPECT_ERROR_CODE(expr, expected_code)                                             \
  do {                                                                                     \
    const auto& galaos_err_ = (expr);                                                      \
    ASSERT_FALSE(galaos_err_.has_value())                                                  \
        << "expected " << ::galaos::ErrorCodeName(expected_code);                          \
    EXPECT_EQ(galaos_err_.error().code(), expected_code) << galaos_err_.error().message(); \
  } while (false)
