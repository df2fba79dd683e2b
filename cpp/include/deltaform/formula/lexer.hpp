// The tokens of one line of Δ-formula text. The lexer is pulled by the parser
// one token at a time (the scene after the second '=' is raw text, never
// tokens), never allocates per token, and is reset for every line.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace deltaform::formula {

enum class Tok : std::uint8_t {
  End,       // end of line or start of a '#' comment
  Word,      // вода, don't, water-lily
  Variable,  // ?x           (name after the '?')
  Quoted,    // "any text"   (content between the quotes, still escaped)
  Delta,     // Δ12, @12     (name after the sigil)
  Glyph,     // ⟁            (the code point, without a variation selector)
  Number,    // 0.8, 2, 1e-3
  Plus, Minus, Star, Tilde, Arrow, Colon, Equals, LParen, RParen, Comma,
  Bad        // a lexical error; Lexer::error() says what
};

// Plain words for a token kind, for messages: "a word", "'+'", ...
const char* describe(Tok kind);

struct Token {
  Tok kind = Tok::End;
  std::uint32_t begin = 0;  // byte offsets in the line: the whole token
  std::uint32_t end = 0;
  std::uint32_t value_begin = 0;  // the part that carries the value (see Tok)
  std::uint32_t value_end = 0;
  bool escaped = false;     // Quoted: contains a backslash escape
};

class Lexer {
 public:
  void reset(std::string_view line, std::size_t pos = 0) {
    line_ = line;
    pos_ = pos;
  }
  Token next();
  std::size_t pos() const { return pos_; }
  void seek(std::size_t pos) { pos_ = pos; }
  std::string_view line() const { return line_; }
  // The message of the last Bad token.
  const std::string& error() const { return error_; }

  // Where a '#' comment starts at or after `from`, skipping "quoted" parts
  // (used for the scene, which is raw text); line().size() if there is none.
  std::size_t comment_start(std::size_t from) const;

 private:
  Token bad(std::size_t begin, std::size_t end, std::string message);
  Token lex_word(std::size_t begin, Tok kind, std::size_t value_begin);
  Token lex_number(std::size_t begin);
  Token lex_quoted(std::size_t begin);
  Token lex_non_ascii(std::size_t begin);

  std::string_view line_;
  std::size_t pos_ = 0;
  std::string error_;
};

namespace chars {
bool is_glyph(char32_t cp);        // a symbol that names a formula
bool is_word_start(char32_t cp);   // a letter (not Δ, not a hieroglyph)
bool is_word_char(char32_t cp);    // letters, digits, marks, '_', ZWNJ/ZWJ
bool is_joiner(char32_t cp);       // '-', '\'', U+2019: only between letters/digits
bool is_space(char32_t cp);        // spaces and tabs between tokens
bool is_mark(char32_t cp);         // combining marks (M*)
}  // namespace chars

}  // namespace deltaform::formula
