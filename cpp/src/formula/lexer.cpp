#include "deltaform/formula/lexer.hpp"

#include <cstdio>

#include "deltaform/unicode.hpp"

namespace deltaform::formula {

namespace chars {
namespace {

// Character classes of the Basic Multilingual Plane, looked up once: the
// general-category search is too slow for the lexer's inner loop.
enum : std::uint8_t { kLetter = 1, kDigit = 2, kMark = 4, kSpace = 8, kGlyph = 16 };

bool in_glyph_block(char32_t cp) {
  return (cp >= 0x1F700 && cp <= 0x1F77F) ||  // Alchemical Symbols
         (cp >= 0x13000 && cp <= 0x1342F);    // Egyptian Hieroglyphs
}

std::uint8_t classify(char32_t cp) {
  using unicode::Category;
  const Category c = unicode::category(cp);
  std::uint8_t f = 0;
  if (in_glyph_block(cp)) return kGlyph;
  if (c <= Category::Lo) f |= kLetter;
  if (c == Category::Nd) f |= kDigit;
  if (c >= Category::Mn && c <= Category::Me) f |= kMark;
  if (c == Category::Zs || cp == '\t') f |= kSpace;
  if (cp >= 0x80 && cp != 0x2192 && (c == Category::So || c == Category::Sm)) f |= kGlyph;
  return f;
}

struct BmpTable {
  std::uint8_t flags[0x10000];
  BmpTable() {
    for (char32_t cp = 0; cp < 0x10000; ++cp) flags[cp] = classify(cp);
  }
};

const std::uint8_t* bmp_flags() {
  static const BmpTable table;
  return table.flags;
}

std::uint8_t flags_of(char32_t cp) { return cp < 0x10000 ? bmp_flags()[cp] : classify(cp); }

// Word characters among ASCII: letters, digits, '_' (as is_word_char says).
constexpr bool ascii_word(unsigned char b) {
  return ((b | 0x20) >= 'a' && (b | 0x20) <= 'z') || (b >= '0' && b <= '9') || b == '_';
}

// The end of a run of word characters that are ASCII or two-byte UTF-8 (most
// words), from i: the common case of lex_word's loop, without its general
// checks. Stops before anything else, which the general loop then looks at.
std::size_t plain_word_end(std::string_view s, std::size_t i) {
  const std::uint8_t* flags = bmp_flags();
  const std::size_t n = s.size();
  while (i < n) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      if (!ascii_word(b)) break;
      ++i;
      continue;
    }
    if (b < 0xC2 || b > 0xDF || i + 1 >= n) break;
    const auto c = static_cast<unsigned char>(s[i + 1]);
    if ((c & 0xC0) != 0x80) break;
    // U+0080..U+07FF: never ZWNJ/ZWJ, so a word character is a letter, digit or mark.
    if (!(flags[(char32_t(b & 0x1F) << 6) | char32_t(c & 0x3F)] & (kLetter | kDigit | kMark))) break;
    i += 2;
  }
  return i;
}

bool is_letter(char32_t cp) {
  if (cp < 0x80) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
  return flags_of(cp) & kLetter;
}
bool is_digit(char32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  return flags_of(cp) & kDigit;
}
}  // namespace

bool is_glyph(char32_t cp) {
  if (cp < 0x80) return false;  // ASCII symbols (< > | ^ …) are never glyphs
  return flags_of(cp) & kGlyph;
}
bool is_word_start(char32_t cp) { return is_letter(cp); }
bool is_word_char(char32_t cp) {
  if (cp < 0x80) return is_letter(cp) || is_digit(cp) || cp == '_';
  return (flags_of(cp) & (kLetter | kDigit | kMark)) || cp == 0x200C || cp == 0x200D;
}
bool is_joiner(char32_t cp) { return cp == '-' || cp == '\'' || cp == 0x2019; }
bool is_space(char32_t cp) {
  if (cp < 0x80) return cp == ' ' || cp == '\t';
  return flags_of(cp) & kSpace;
}
bool is_mark(char32_t cp) { return cp >= 0x80 && (flags_of(cp) & kMark); }
}  // namespace chars

const char* describe(Tok kind) {
  switch (kind) {
    case Tok::End: return "the end of the line";
    case Tok::Word: return "a word";
    case Tok::Variable: return "a variable";
    case Tok::Quoted: return "a quoted atom";
    case Tok::Delta: return "a Δ-address";
    case Tok::Glyph: return "a glyph";
    case Tok::Number: return "a number";
    case Tok::Plus: return "'+'";
    case Tok::Minus: return "'-'";
    case Tok::Star: return "'*'";
    case Tok::Tilde: return "'~'";
    case Tok::Arrow: return "'→'";
    case Tok::Colon: return "':'";
    case Tok::Equals: return "'='";
    case Tok::LParen: return "'('";
    case Tok::RParen: return "')'";
    case Tok::Comma: return "','";
    case Tok::Bad: return "an invalid character";
  }
  return "?";
}

namespace {

// Decodes the code point at s[i] without moving; false on invalid UTF-8 or at the end.
bool peek_cp(std::string_view s, std::size_t i, char32_t& cp, std::size_t& next) {
  if (i >= s.size()) return false;
  const auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) {
    cp = b;
    next = i + 1;
    return true;
  }
  // Two-byte sequences (Cyrillic, Greek, Latin with accents: most words that
  // are not ASCII) decoded here; anything else, and every error, by decode.
  if (b >= 0xC2 && b <= 0xDF && i + 1 < s.size()) {
    const auto c = static_cast<unsigned char>(s[i + 1]);
    if ((c & 0xC0) == 0x80) {
      cp = (char32_t(b & 0x1F) << 6) | char32_t(c & 0x3F);
      next = i + 2;
      return true;
    }
  }
  next = i;
  return unicode::decode(s, next, cp);
}

std::string code_point_name(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

std::string byte_name(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", b);
  return buf;
}

// Consumes a run of address characters (after Δ or @) starting at i.
std::size_t address_end(std::string_view s, std::size_t i) {
  char32_t cp;
  std::size_t next;
  while (peek_cp(s, i, cp, next)) {
    if (!(chars::is_word_char(cp)) || cp == 0x200C || cp == 0x200D) break;
    i = next;
  }
  return i;
}

}  // namespace

Token Lexer::bad(std::size_t begin, std::size_t end, std::string message) {
  error_ = std::move(message);
  Token t;
  t.kind = Tok::Bad;
  t.begin = t.value_begin = static_cast<std::uint32_t>(begin);
  t.end = t.value_end = static_cast<std::uint32_t>(end);
  return t;
}

Token Lexer::lex_word(std::size_t begin, Tok kind, std::size_t value_begin) {
  const std::string_view s = line_;
  std::size_t i = value_begin;
  char32_t cp = 0;
  std::size_t next = i + 1;
  // the first character is a letter (checked by the caller)
  peek_cp(s, i, cp, next);
  i = next;
  for (;;) {
    i = chars::plain_word_end(s, i);
    if (!peek_cp(s, i, cp, next)) break;
    if (chars::is_word_char(cp)) {
      i = next;
      continue;
    }
    if (chars::is_joiner(cp)) {
      char32_t after;
      std::size_t after_next;
      if (peek_cp(s, next, after, after_next) &&
          (chars::is_word_start(after) || (chars::is_word_char(after) && after != '_' &&
                                            !chars::is_mark(after) && after != 0x200C &&
                                            after != 0x200D))) {
        i = after_next;
        continue;
      }
    }
    break;
  }
  pos_ = i;
  Token t;
  t.kind = kind;
  t.begin = static_cast<std::uint32_t>(begin);
  t.end = static_cast<std::uint32_t>(i);
  t.value_begin = static_cast<std::uint32_t>(value_begin);
  t.value_end = static_cast<std::uint32_t>(i);
  return t;
}

Token Lexer::lex_number(std::size_t begin) {
  const std::string_view s = line_;
  auto digit = [&](std::size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '9'; };
  std::size_t i = begin;
  while (digit(i)) ++i;
  if (i < s.size() && s[i] == '.' && digit(i + 1)) {
    ++i;
    while (digit(i)) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t k = i + 1;
    if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
    if (digit(k)) {
      i = k;
      while (digit(i)) ++i;
    }
  }
  char32_t cp;
  std::size_t next;
  if (peek_cp(s, i, cp, next) && chars::is_word_char(cp)) {
    // "2x", "3d": a word that starts with a digit
    std::size_t end = next;
    while (peek_cp(s, end, cp, next) && chars::is_word_char(cp)) end = next;
    return bad(begin, end,
               "a word must start with a letter; write \"" + std::string(s.substr(begin, end - begin)) +
                   "\" in quotes to use it as an atom");
  }
  pos_ = i;
  Token t;
  t.kind = Tok::Number;
  t.begin = t.value_begin = static_cast<std::uint32_t>(begin);
  t.end = t.value_end = static_cast<std::uint32_t>(i);
  return t;
}

Token Lexer::lex_quoted(std::size_t begin) {
  const std::string_view s = line_;
  std::size_t i = begin + 1;
  bool escaped = false;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b == '"') {
      if (i == begin + 1) return bad(begin, i + 1, "a quoted atom cannot be empty");
      pos_ = i + 1;
      Token t;
      t.kind = Tok::Quoted;
      t.begin = static_cast<std::uint32_t>(begin);
      t.end = static_cast<std::uint32_t>(i + 1);
      t.value_begin = static_cast<std::uint32_t>(begin + 1);
      t.value_end = static_cast<std::uint32_t>(i);
      t.escaped = escaped;
      return t;
    }
    if (b == '\\') {
      if (i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) {
        escaped = true;
        i += 2;
        continue;
      }
      if (i + 1 >= s.size())
        return bad(begin, i + 1,
                   "a quoted atom is not closed: expected '\"' before the end of the line");
      std::size_t next;
      char32_t cp;
      std::string what = "\\";
      if (peek_cp(s, i + 1, cp, next)) what.append(s.substr(i + 1, next - i - 1));
      pos_ = i;
      return bad(i, i + 1,
                 "unknown escape '" + what + "' in a quoted atom (only \\\" and \\\\ are escapes)");
    }
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t next = i;
    char32_t cp;
    if (!unicode::decode(s, next, cp)) return bad(i, i + 1, "invalid UTF-8 byte " + byte_name(b));
    i = next;
  }
  return bad(begin, begin + 1,
             "a quoted atom is not closed: expected '\"' before the end of the line");
}

Token Lexer::lex_non_ascii(std::size_t begin) {
  const std::string_view s = line_;
  std::size_t next = begin;
  char32_t cp;
  if (!peek_cp(s, begin, cp, next))
    return bad(begin, begin + 1, "invalid UTF-8 byte " + byte_name(static_cast<unsigned char>(s[begin])));
  Token t;
  t.begin = t.value_begin = static_cast<std::uint32_t>(begin);
  if (cp == 0x0394) {  // Δ
    const std::size_t end = address_end(s, next);
    if (end == next)
      return bad(begin, next, "expected an address after 'Δ' (letters, digits or '_', as in Δ12)");
    pos_ = end;
    t.kind = Tok::Delta;
    t.value_begin = static_cast<std::uint32_t>(next);
    t.end = t.value_end = static_cast<std::uint32_t>(end);
    return t;
  }
  if (cp == 0x2192) {  // →
    pos_ = next;
    t.kind = Tok::Arrow;
    t.end = t.value_end = static_cast<std::uint32_t>(next);
    return t;
  }
  if (chars::is_glyph(cp)) {
    t.kind = Tok::Glyph;
    t.value_end = static_cast<std::uint32_t>(next);
    // An emoji-style variation selector belongs to the glyph but not to its name.
    char32_t vs;
    std::size_t after;
    if (peek_cp(s, next, vs, after) && (vs == 0xFE0E || vs == 0xFE0F)) next = after;
    pos_ = next;
    t.end = static_cast<std::uint32_t>(next);
    return t;
  }
  if (chars::is_word_start(cp)) return lex_word(begin, Tok::Word, begin);
  if (chars::is_mark(cp))
    return bad(begin, next, "a combining mark (" + code_point_name(cp) +
                                ") must follow a letter");
  return bad(begin, next, "unexpected character '" + std::string(s.substr(begin, next - begin)) +
                              "' (" + code_point_name(cp) + ")");
}

Token Lexer::next() {
  const std::string_view s = line_;
  // skip spaces and tabs (any Unicode space separator)
  while (pos_ < s.size()) {
    const auto b = static_cast<unsigned char>(s[pos_]);
    if (b == ' ' || b == '\t') {
      ++pos_;
      continue;
    }
    if (b >= 0x80) {
      std::size_t next = pos_;
      char32_t cp;
      if (peek_cp(s, pos_, cp, next) && chars::is_space(cp)) {
        pos_ = next;
        continue;
      }
    }
    break;
  }
  Token t;
  const std::size_t begin = pos_;
  t.begin = t.end = t.value_begin = t.value_end = static_cast<std::uint32_t>(begin);
  if (begin >= s.size()) return t;  // End
  const auto b = static_cast<unsigned char>(s[begin]);
  auto single = [&](Tok kind, std::size_t len = 1) {
    pos_ = begin + len;
    t.kind = kind;
    t.end = t.value_end = static_cast<std::uint32_t>(begin + len);
    return t;
  };
  switch (b) {
    case '#': {  // a comment runs to the end of the line; it must still be UTF-8
      std::size_t at = 0;
      if (!unicode::valid_utf8(s.substr(begin), &at))
        return bad(begin + at, begin + at + 1,
                   "invalid UTF-8 byte " + byte_name(static_cast<unsigned char>(s[begin + at])) + " in a comment");
      return t;
    }
    case '+': return single(Tok::Plus);
    case '-':
      if (begin + 1 < s.size() && s[begin + 1] == '>') return single(Tok::Arrow, 2);
      return single(Tok::Minus);
    case '*': return single(Tok::Star);
    case '~': return single(Tok::Tilde);
    case ':': return single(Tok::Colon);
    case '=': return single(Tok::Equals);
    case '(': return single(Tok::LParen);
    case ')': return single(Tok::RParen);
    case ',': return single(Tok::Comma);
    case '"': return lex_quoted(begin);
    case '@': {
      const std::size_t end = address_end(s, begin + 1);
      if (end == begin + 1)
        return bad(begin, begin + 1, "expected an address after '@' (letters, digits or '_', as in @12)");
      pos_ = end;
      t.kind = Tok::Delta;
      t.value_begin = static_cast<std::uint32_t>(begin + 1);
      t.end = t.value_end = static_cast<std::uint32_t>(end);
      return t;
    }
    case '?': {
      char32_t cp;
      std::size_t next;
      if (!peek_cp(s, begin + 1, cp, next) || !chars::is_word_start(cp))
        return bad(begin, begin + 1, "expected a variable name after '?' (a word, as in ?x)");
      return lex_word(begin, Tok::Variable, begin + 1);
    }
    default: break;
  }
  if (b >= '0' && b <= '9') return lex_number(begin);
  if (((b | 0x20) >= 'a' && (b | 0x20) <= 'z')) return lex_word(begin, Tok::Word, begin);
  if (b >= 0x80) return lex_non_ascii(begin);
  if (b < 0x20 || b == 0x7F)
    return bad(begin, begin + 1, "unexpected control character " + code_point_name(b));
  if (b == '_')
    return bad(begin, begin + 1, "a word must start with a letter, not '_'");
  return bad(begin, begin + 1, std::string("unexpected character '") + static_cast<char>(b) + "'");
}

std::size_t Lexer::comment_start(std::size_t from) const {
  const std::string_view s = line_;
  bool in_quotes = false;
  for (std::size_t i = from; i < s.size(); ++i) {
    const char c = s[i];
    if (in_quotes) {
      if (c == '\\' && i + 1 < s.size()) ++i;
      else if (c == '"') in_quotes = false;
    } else if (c == '"') {
      in_quotes = true;
    } else if (c == '#') {
      return i;
    }
  }
  return s.size();
}

}  // namespace deltaform::formula
