#include "deltaform/formula/error.hpp"

#include <algorithm>
#include <vector>

#include "deltaform/unicode.hpp"

namespace deltaform::formula {
namespace {

// Steps over one character at s[i]. Returns false for an invalid sequence,
// which counts as one character: a single bad byte, or a whole surrogate code
// point written in UTF-8 form (ED A0..BF 80..BF), as Python's "surrogatepass"
// produces for a lone surrogate, so columns match Python's string indices.
bool step(std::string_view s, std::size_t& i) {
  const std::size_t start = i;
  char32_t cp = 0;
  if (unicode::decode(s, i, cp)) return true;
  i = start + 1;
  if (start + 2 < s.size() && static_cast<unsigned char>(s[start]) == 0xED) {
    const auto b1 = static_cast<unsigned char>(s[start + 1]);
    const auto b2 = static_cast<unsigned char>(s[start + 2]);
    if (b1 >= 0xA0 && b1 <= 0xBF && b2 >= 0x80 && b2 <= 0xBF) i = start + 3;
  }
  return false;
}

// Longer source lines are shown as a window around the caret.
constexpr std::size_t kShowBefore = 60;
constexpr std::size_t kShowAfter = 60;

}  // namespace

std::uint32_t column_of(std::string_view line, std::size_t pos) {
  std::uint32_t column = 1;
  std::size_t i = 0;
  while (i < pos && i < line.size()) {
    step(line, i);
    ++column;
  }
  return column;
}

std::string displayable(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  std::size_t i = 0;
  while (i < line.size()) {
    const std::size_t start = i;
    if (step(line, i)) {
      out.append(line.substr(start, i - start));
    } else {
      out.append("\xEF\xBF\xBD");  // U+FFFD
    }
  }
  return out;
}

Error make_error(std::string_view file, std::uint32_t line_no, std::string_view line,
                 std::size_t pos, std::string message) {
  Error e;
  e.file = std::string(file);
  e.line = line_no;
  e.column = column_of(line, pos);
  e.source_line = displayable(line);
  e.message = std::move(message);
  return e;
}

std::string Error::format() const {
  std::string out = file + ":" + std::to_string(line) + ":" + std::to_string(column) +
                    ": error: " + message;
  // Split the (valid UTF-8) source line into characters to place the caret.
  std::vector<std::size_t> starts;
  std::size_t i = 0;
  const std::string_view s = source_line;
  while (i < s.size()) {
    starts.push_back(i);
    step(s, i);
  }
  starts.push_back(s.size());
  const std::size_t chars = starts.size() - 1;
  const std::size_t caret = column > 0 ? column - 1 : 0;  // character index
  std::size_t from = 0, to = chars;
  if (chars > kShowBefore + kShowAfter) {
    from = caret > kShowBefore ? caret - kShowBefore : 0;
    to = std::min(chars, caret + kShowAfter);
  }
  std::string shown, marker;
  if (from > 0) {
    shown += "...";
    marker += "   ";
  }
  for (std::size_t c = from; c < to; ++c) {
    const std::string_view ch = s.substr(starts[c], starts[c + 1] - starts[c]);
    shown.append(ch);
    if (c < caret) marker += (ch == "\t" ? '\t' : ' ');
  }
  if (to < chars) shown += "...";
  out += "\n  " + shown + "\n  " + marker + "^";
  return out;
}

}  // namespace deltaform::formula
