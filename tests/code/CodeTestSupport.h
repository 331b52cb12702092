// Helpers shared by the code-module tests.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#define GALAOS_CODE_CONCAT_INNER(a, b) a##b
#define GALAOS_CODE_CONCAT(a, b) GALAOS_CODE_CONCAT_INNER(a, b)

// Fails the test (with the error's message) unless `expr` succeeded.
#define ASSERT_OK(expr)                                                  \
  do {                                                                   \
    const auto& galaos_ok_ = (expr);                                     \
    ASSERT_TRUE(galaos_ok_.has_value()) << galaos_ok_.error().message(); \
  } while (false)

// `lhs = *expr`, failing the test (with the error's message) if `expr` failed.
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  GALAOS_CODE_ASSIGN_IMPL(GALAOS_CODE_CONCAT(galaos_result_, __LINE__), lhs, expr)
#define GALAOS_CODE_ASSIGN_IMPL(tmp, lhs, expr)          \
  auto tmp = (expr);                                     \
  ASSERT_TRUE(tmp.has_value()) << tmp.error().message(); \
  lhs = std::move(*tmp)

namespace galaos::code::testing {

inline void Write(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

inline std::string Read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace galaos::code::testing
