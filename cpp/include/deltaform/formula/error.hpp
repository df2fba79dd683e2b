// A positioned error in Δ-formula text, formatted like a compiler message:
//
//   scenes.df:3:15: error: expected a formula after '+'
//     Δ12 = (вода + + весна)
//                   ^
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace deltaform::formula {

struct Error {
  std::string file = "<string>";
  std::uint32_t line = 0;     // 1-based
  std::uint32_t column = 0;   // 1-based, in characters (an invalid byte counts as one)
  std::string source_line;    // the line, invalid UTF-8 bytes shown as U+FFFD
  std::string message;        // what was expected, in plain words

  // "file:line:column: error: message\n  source\n  caret"
  std::string format() const;
};

// Thrown by the strict entry points (and turned into deltaform.FormulaError).
class FormulaException : public std::runtime_error {
 public:
  explicit FormulaException(Error e) : std::runtime_error(e.format()), error(std::move(e)) {}
  Error error;
};

// 1-based character column of byte offset `pos` in `line`.
std::uint32_t column_of(std::string_view line, std::size_t pos);
// The line with every invalid UTF-8 byte replaced by U+FFFD (one per byte, so
// character columns stay the same).
std::string displayable(std::string_view line);
// Builds an error at byte offset `pos` of `line`.
Error make_error(std::string_view file, std::uint32_t line_no, std::string_view line,
                 std::size_t pos, std::string message);

}  // namespace deltaform::formula
