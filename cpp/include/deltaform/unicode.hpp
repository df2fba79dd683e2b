// UTF-8 and the few Unicode properties the language needs: general category
// (for words and glyphs), NFC and full case folding (for atom identity).
// The tables are generated at build time from Python's unicodedata, so the
// core agrees with `unicodedata.normalize("NFC", s).casefold()` exactly.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace deltaform::unicode {

enum class Category : std::uint8_t {
  Lu, Ll, Lt, Lm, Lo, Mn, Mc, Me, Nd, Nl, No, Pc, Pd, Ps, Pe, Pi, Pf, Po,
  Sm, Sc, Sk, So, Zs, Zl, Zp, Cc, Cf, Cs, Co, Cn
};

// Decodes the code point starting at s[i] and advances i past it. On invalid
// UTF-8 (overlong, surrogate, truncated, > U+10FFFF) returns false and
// advances i by one byte, so a caller can report the offset and go on.
bool decode(std::string_view s, std::size_t& i, char32_t& cp);
// True when s is valid UTF-8; otherwise *bad_offset (if given) is the first bad byte.
bool valid_utf8(std::string_view s, std::size_t* bad_offset = nullptr);
void append_utf8(std::string& out, char32_t cp);

Category category(char32_t cp);
bool is_letter(char32_t cp);  // L*
bool is_mark(char32_t cp);    // M*
bool is_digit(char32_t cp);   // Nd
bool is_space(char32_t cp);   // Zs, and tab
const char* category_name(Category c);  // two letters, as unicodedata.category
const char* unicode_version();          // of the tables, as unicodedata.unidata_version

std::string nfc(std::string_view utf8);
std::string casefold(std::string_view utf8);
// nfc, casefold and normalize_name throw std::invalid_argument on invalid UTF-8.
// casefold(nfc(s)): the identity of an atom's name. Input must be valid UTF-8.
std::string normalize_name(std::string_view utf8);

}  // namespace deltaform::unicode
