// Plain-text output helpers for the CLI: aligned columns and UTC timestamps.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace galaos::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header);
  void AddRow(std::vector<std::string> row);  // as many cells as the header
  void Print(std::FILE* out) const;

 private:
  std::vector<std::vector<std::string>> rows_;  // rows_[0] is the header
};

// "2026-11-26 20:17:51"
std::string FormatUtc(std::chrono::system_clock::time_point time);

}  // namespace galaos::cli
