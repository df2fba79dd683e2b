// The one parser of the Δ-formula language (docs/language.md): recursive
// descent over the tokens of one line, building the arena of tree.hpp.
// A Parser is reusable: its scratch buffers are kept between lines, so a file
// of millions of lines allocates only as the Document grows. Bad lines become
// Errors in the Document (one per line); the good lines are kept. Time is
// linear in the length of a line; nesting deeper than kMaxDepth is an error.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deltaform/formula/lexer.hpp"
#include "deltaform/formula/tree.hpp"

namespace deltaform::formula {

class Parser {
 public:
  // Every line of `text` ('\n' or "\r\n" separated; a leading BOM is skipped):
  // a statement or an error for each line that is not blank or a comment.
  // With stop_at_error, stops after the first bad line.
  void parse_text(std::string_view text, Document& doc, std::uint32_t first_line = 1,
                  bool stop_at_error = false);

  // One line (no newline inside) as line number `line_no`. Returns false and
  // appends an Error when the line is bad; blank and comment lines add nothing.
  bool parse_line(std::string_view line, std::uint32_t line_no, Document& doc);

  // Exactly one statement in `text` (blank and comment lines around it are
  // fine). Returns the statement's index in doc.statements, or kNone with an
  // Error appended.
  std::uint32_t parse_statement(std::string_view text, Document& doc);

  // Exactly one expression (no '=', no scene), stored as an Anonymous
  // statement. Returns the statement's index, or kNone with an Error appended.
  std::uint32_t parse_expression(std::string_view text, Document& doc);

 private:
  enum class Mode { Statement, Expression };

  bool line(std::string_view line, std::uint32_t line_no, Document& doc, Mode mode);
  bool statement(Mode mode);
  bool schema_declaration();
  bool definition();
  bool anonymous(Mode mode);
  bool finish(Statement& st, Mode mode);
  bool name_list(Statement& st, const char* what);

  std::uint32_t flow();
  std::uint32_t bundle();
  std::uint32_t term();
  std::uint32_t factor();
  std::uint32_t phrase();
  std::uint32_t primary();
  bool arguments(Str callee);
  bool operand_after(const Token& op);

  void advance() { tok_ = lex_.next(); }
  std::string_view text_of(const Token& t) const { return line_.substr(t.begin, t.end - t.begin); }
  std::string_view value_of(const Token& t) const {
    return line_.substr(t.value_begin, t.value_end - t.value_begin);
  }
  std::uint32_t add_node(Node n, std::size_t kids_from);
  Str intern(std::string_view s);
  std::uint32_t fail(std::uint32_t pos, std::string message);
  std::uint32_t fail_here(std::string message);
  std::uint32_t unexpected(const char* expected_words);

  Lexer lex_;
  Token tok_;
  std::string_view line_;
  std::uint32_t line_no_ = 0;
  Document* doc_ = nullptr;
  std::vector<Child> stack_;   // children of nodes under construction
  std::string name_;           // scratch for names being assembled
  int depth_ = 0;
  bool failed_ = false;
  std::uint32_t error_pos_ = 0;
  std::string error_message_;
};

}  // namespace deltaform::formula
