#include "deltaform/formula/parser.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "deltaform/unicode.hpp"

namespace deltaform::formula {
namespace {

bool starts_formula(Tok k) {
  switch (k) {
    case Tok::Word: case Tok::Variable: case Tok::Quoted: case Tok::Delta: case Tok::Glyph:
    case Tok::Number: case Tok::Tilde: case Tok::LParen:
      return true;
    default:
      return false;
  }
}

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

bool is_trim_space(char c) { return c == ' ' || c == '\t'; }

}  // namespace

// ---------------------------------------------------------------- helpers

Str Parser::intern(std::string_view s) { return doc_->intern(s); }

std::uint32_t Parser::add_node(Node n, std::size_t kids_from) {
  n.first = static_cast<std::uint32_t>(doc_->children.size());
  n.count = static_cast<std::uint32_t>(stack_.size() - kids_from);
  doc_->children.insert(doc_->children.end(), stack_.begin() + static_cast<std::ptrdiff_t>(kids_from),
                        stack_.end());
  stack_.resize(kids_from);
  doc_->nodes.push_back(n);
  return static_cast<std::uint32_t>(doc_->nodes.size() - 1);
}

std::uint32_t Parser::fail(std::uint32_t pos, std::string message) {
  if (!failed_) {
    failed_ = true;
    error_pos_ = pos;
    error_message_ = std::move(message);
  }
  return kNone;
}

std::uint32_t Parser::fail_here(std::string message) {
  if (tok_.kind == Tok::Bad) return fail(tok_.begin, lex_.error());
  return fail(tok_.begin, std::move(message));
}

// A token that cannot continue what came before it.
std::uint32_t Parser::unexpected(const char* expected_words) {
  switch (tok_.kind) {
    case Tok::Bad:
      return fail(tok_.begin, lex_.error());
    case Tok::RParen:
      return fail(tok_.begin, "there is no '(' to match this ')'");
    case Tok::Colon:
      return fail(tok_.begin, "':' must follow a role, which is a single word (as in образ: вода)");
    case Tok::Comma:
      return fail(tok_.begin, "',' separates arguments and may only appear inside '(…)' after a "
                              "schema name or a Δ-address");
    default:
      return fail(tok_.begin, std::string("expected ") + expected_words + ", found " +
                                  describe(tok_.kind) +
                                  (tok_.kind == Tok::End ? "" : " " + quote(text_of(tok_))));
  }
}

bool Parser::operand_after(const Token& op) {
  if (starts_formula(tok_.kind)) return true;
  fail_here("expected a formula after " + quote(text_of(op)));
  return false;
}

// ---------------------------------------------------------------- expressions

std::uint32_t Parser::flow() {
  const std::size_t base = stack_.size();
  const std::uint32_t pos = tok_.begin;
  std::uint32_t first = bundle();
  if (first == kNone) return kNone;
  if (tok_.kind != Tok::Arrow) return first;
  stack_.push_back({first, 1});
  while (tok_.kind == Tok::Arrow) {
    const Token op = tok_;
    advance();
    if (!operand_after(op)) return kNone;
    const std::uint32_t next = bundle();
    if (next == kNone) return kNone;
    stack_.push_back({next, 1});
  }
  Node n;
  n.kind = NodeKind::Flow;
  n.pos = pos;
  return add_node(n, base);
}

std::uint32_t Parser::bundle() {
  const std::size_t base = stack_.size();
  const std::uint32_t pos = tok_.begin;
  std::uint32_t first = term();
  if (first == kNone) return kNone;
  if (tok_.kind != Tok::Plus && tok_.kind != Tok::Minus) return first;
  stack_.push_back({first, 1});
  while (tok_.kind == Tok::Plus || tok_.kind == Tok::Minus) {
    const Token op = tok_;
    advance();
    if (!operand_after(op)) return kNone;
    const std::uint32_t next = term();
    if (next == kNone) return kNone;
    stack_.push_back({next, op.kind == Tok::Minus ? -1 : 1});
  }
  Node n;
  n.kind = NodeKind::Bundle;
  n.pos = pos;
  return add_node(n, base);
}

std::uint32_t Parser::term() {
  const std::size_t base = stack_.size();
  const std::uint32_t pos = tok_.begin;
  std::uint32_t first = factor();
  if (first == kNone) return kNone;
  if (tok_.kind != Tok::Star) return first;
  stack_.push_back({first, 1});
  while (tok_.kind == Tok::Star) {
    const Token op = tok_;
    advance();
    if (!operand_after(op)) return kNone;
    const std::uint32_t next = factor();
    if (next == kNone) return kNone;
    stack_.push_back({next, 1});
  }
  Node n;
  n.kind = NodeKind::Bind;
  n.pos = pos;
  return add_node(n, base);
}

std::uint32_t Parser::factor() {
  if (++depth_ > kMaxDepth) {
    return fail(tok_.begin, "the formula is nested too deeply (more than " +
                                std::to_string(kMaxDepth) +
                                " levels of parentheses, arguments and prefix operators)");
  }
  std::uint32_t result = kNone;
  const std::size_t base = stack_.size();
  const Token start = tok_;
  switch (tok_.kind) {
    case Tok::Number: {
      const std::string_view digits = text_of(tok_);
      double w = 0;
      const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), w);
      if (r.ec != std::errc() || !std::isfinite(w)) {
        result = fail(tok_.begin, "the weight " + std::string(digits) + " is out of range");
        break;
      }
      advance();
      if (tok_.kind != Tok::Star) {
        result = fail_here("expected '*' after the number " + std::string(digits) +
                           " (a number is a weight, as in 0.8*x)");
        break;
      }
      const Token star = tok_;
      advance();
      if (!operand_after(star)) break;
      const std::uint32_t inner = factor();
      if (inner == kNone) break;
      stack_.push_back({inner, 1});
      Node n;
      n.kind = NodeKind::Weight;
      n.pos = start.begin;
      n.weight = w;
      result = add_node(n, base);
      break;
    }
    case Tok::Tilde: {
      advance();
      if (!operand_after(start)) break;
      const std::uint32_t inner = factor();
      if (inner == kNone) break;
      stack_.push_back({inner, 1});
      Node n;
      n.kind = NodeKind::Inverse;
      n.pos = start.begin;
      result = add_node(n, base);
      break;
    }
    case Tok::Word:
    case Tok::Variable:
      result = phrase();
      break;
    default:
      result = primary();
      break;
  }
  --depth_;
  return result;
}

// Words and variables in a row: a phrase atom, a variable, a role (word ':'),
// or a schema call (word '(').
std::uint32_t Parser::phrase() {
  const Token first = tok_;
  std::uint32_t words = 0, variables = 0;
  std::size_t name_begin = doc_->pool.size();
  Token last = tok_;
  while (tok_.kind == Tok::Word || tok_.kind == Tok::Variable) {
    if (words + variables > 0) doc_->pool.push_back(' ');
    if (tok_.kind == Tok::Variable) {
      ++variables;
      doc_->pool.push_back('?');
    } else {
      ++words;
    }
    doc_->pool.append(value_of(tok_));
    last = tok_;
    advance();
  }
  Str name{static_cast<std::uint32_t>(name_begin),
           static_cast<std::uint32_t>(doc_->pool.size() - name_begin)};
  const bool single_word = words == 1 && variables == 0;
  if (tok_.kind == Tok::Colon) {
    if (!single_word) {
      return fail(tok_.begin, variables > 0 && words == 0
                                  ? "a role must be a word, not a variable"
                                  : "a role is a single word; '" + std::string(doc_->str(name)) +
                                        "' has several");
    }
    const Token colon = tok_;
    advance();
    if (!operand_after(colon)) return kNone;
    const std::size_t base = stack_.size();
    const std::uint32_t filler = factor();
    if (filler == kNone) return kNone;
    stack_.push_back({filler, 1});
    Node n;
    n.kind = NodeKind::Layer;
    n.pos = first.begin;
    n.text = name;
    return add_node(n, base);
  }
  if (tok_.kind == Tok::LParen) {
    if (!single_word) {
      return fail(tok_.begin, variables > 0 && words == 0
                                  ? "a variable cannot take arguments"
                                  : "a schema name is a single word; '" +
                                        std::string(doc_->str(name)) + "' has several");
    }
    const std::size_t base = stack_.size();
    if (!arguments(name)) return kNone;
    Node n;
    n.kind = NodeKind::SchemaCall;
    n.pos = first.begin;
    n.text = name;
    return add_node(n, base);
  }
  Node n;
  n.pos = first.begin;
  if (variables == 1 && words == 0) {
    n.kind = NodeKind::Var;
    n.text = Str{name.offset + 1, name.length - 1};
    return add_node(n, stack_.size());
  }
  if (words == 0) {
    return fail(first.begin, "a phrase needs at least one word that is not a variable");
  }
  (void)last;
  n.kind = NodeKind::Atom;
  n.text = name;
  return add_node(n, stack_.size());
}

// '(' expr {',' expr} ')' after a callee; the arguments are pushed on the stack.
bool Parser::arguments(Str callee) {
  const Token open = tok_;
  advance();
  Token sep = open;
  for (;;) {
    if (!operand_after(sep)) return false;
    const std::uint32_t arg = flow();
    if (arg == kNone) return false;
    stack_.push_back({arg, 1});
    if (tok_.kind == Tok::Comma) {
      sep = tok_;
      advance();
      continue;
    }
    if (tok_.kind == Tok::RParen) {
      advance();
      return true;
    }
    if (tok_.kind == Tok::Bad) {
      fail(tok_.begin, lex_.error());
      return false;
    }
    fail(tok_.begin, "expected ',' or ')' in the arguments of " + quote(doc_->str(callee)) +
                         " (opened at column " +
                         std::to_string(column_of(line_, open.begin)) + ")");
    return false;
  }
}

std::uint32_t Parser::primary() {
  const Token t = tok_;
  switch (t.kind) {
    case Tok::Quoted: {
      Node n;
      n.kind = NodeKind::Atom;
      n.quoted = true;
      n.pos = t.begin;
      const std::string_view raw = value_of(t);
      if (!t.escaped) {
        n.text = intern(raw);
      } else {
        const std::size_t begin = doc_->pool.size();
        for (std::size_t i = 0; i < raw.size(); ++i) {
          if (raw[i] == '\\' && i + 1 < raw.size()) ++i;  // the lexer allowed only \" and \\ .
          doc_->pool.push_back(raw[i]);
        }
        n.text = Str{static_cast<std::uint32_t>(begin),
                     static_cast<std::uint32_t>(doc_->pool.size() - begin)};
      }
      advance();
      return add_node(n, stack_.size());
    }
    case Tok::Delta: {
      const std::size_t begin = doc_->pool.size();
      doc_->pool.append("\xCE\x94");  // Δ
      doc_->pool.append(value_of(t));
      Node n;
      n.kind = NodeKind::Ref;
      n.pos = t.begin;
      n.text = Str{static_cast<std::uint32_t>(begin),
                   static_cast<std::uint32_t>(doc_->pool.size() - begin)};
      advance();
      const std::size_t base = stack_.size();
      if (tok_.kind == Tok::LParen && !arguments(n.text)) return kNone;
      return add_node(n, base);
    }
    case Tok::Glyph: {
      Node n;
      n.kind = NodeKind::Glyph;
      n.pos = t.begin;
      n.text = intern(value_of(t));
      advance();
      if (tok_.kind == Tok::LParen)
        return fail(tok_.begin, "a glyph takes no arguments (only a Δ-address can be applied, as in ΔF(a, b))");
      return add_node(n, stack_.size());
    }
    case Tok::LParen: {
      advance();
      if (!operand_after(t)) return kNone;
      const std::uint32_t inner = flow();
      if (inner == kNone) return kNone;
      if (tok_.kind != Tok::RParen) {
        if (tok_.kind == Tok::Bad) return fail(tok_.begin, lex_.error());
        return fail(tok_.begin, "expected ')' to close the '(' at column " +
                                    std::to_string(column_of(line_, t.begin)));
      }
      advance();
      return inner;
    }
    default:
      return fail_here("expected a formula");
  }
}

// ---------------------------------------------------------------- statements

// The rest of a statement after its expression: the end, or '=' and a scene.
bool Parser::finish(Statement& st, Mode mode) {
  if (tok_.kind == Tok::End) return true;
  if (tok_.kind == Tok::Equals && mode == Mode::Statement) {
    const std::size_t after = tok_.end;
    std::size_t end = lex_.comment_start(after);
    std::size_t begin = after;
    while (begin < end && is_trim_space(line_[begin])) ++begin;
    while (end > begin && is_trim_space(line_[end - 1])) --end;
    if (begin == end) {
      fail(static_cast<std::uint32_t>(after), "expected a scene (the text the formula stands for) after '='");
      return false;
    }
    std::size_t bad = 0;
    const std::string_view scene = line_.substr(begin, end - begin);
    if (!unicode::valid_utf8(scene, &bad)) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned char>(scene[bad]));
      fail(static_cast<std::uint32_t>(begin + bad), std::string("invalid UTF-8 byte ") + buf);
      return false;
    }
    st.has_scene = true;
    st.scene = intern(scene);
    return true;
  }
  unexpected(mode == Mode::Statement ? "an operator (+, -, *, →), '=' and a scene, or the end of the line"
                                     : "an operator (+, -, *, →) or the end of the formula");
  return false;
}

// '(' word {',' word} ')' : parameters or roles, appended to doc.names.
bool Parser::name_list(Statement& st, const char* what) {
  const Token open = tok_;
  advance();
  st.first_name = static_cast<std::uint32_t>(doc_->names.size());
  Token sep = open;
  for (;;) {
    if (tok_.kind != Tok::Word) {
      if (tok_.kind == Tok::Variable)
        fail(tok_.begin, std::string("a ") + what + " is a word, not a variable");
      else
        fail_here(std::string("expected a ") + what + " (a word) after " + quote(text_of(sep)));
      return false;
    }
    const Token word = tok_;
    advance();
    if (tok_.kind == Tok::Word || tok_.kind == Tok::Variable) {
      fail(tok_.begin, std::string("a ") + what + " is a single word; expected ',' or ')'");
      return false;
    }
    // A name may be listed once (compared as atoms are: NFC + casefold).
    const std::string key = unicode::normalize_name(value_of(word));
    for (std::uint32_t i = st.first_name; i < doc_->names.size(); ++i) {
      if (unicode::normalize_name(doc_->str(doc_->names[i].text)) == key) {
        fail(word.begin, std::string("the ") + what + " " + quote(value_of(word)) + " is listed twice");
        return false;
      }
    }
    doc_->names.push_back(Name{intern(value_of(word)), word.begin});
    ++st.name_count;
    if (tok_.kind == Tok::Comma) {
      sep = tok_;
      advance();
      continue;
    }
    if (tok_.kind == Tok::RParen) {
      advance();
      return true;
    }
    if (tok_.kind == Tok::Bad) {
      fail(tok_.begin, lex_.error());
    } else {
      fail(tok_.begin, std::string("expected ',' or ')' after the ") + what);
    }
    return false;
  }
}

bool Parser::schema_declaration() {
  Statement st;
  st.kind = StatementKind::Schema;
  st.line = line_no_;
  st.first_node = static_cast<std::uint32_t>(doc_->nodes.size());
  advance();  // 'schema'
  const Token name = tok_;  // a word (checked by the caller)
  st.name = intern(value_of(name));
  st.name_pos = name.begin;
  advance();
  if (tok_.kind != Tok::LParen) {
    fail_here("expected '(' and the roles after the schema name, as in schema " +
              std::string(value_of(name)) + "(объект, напряжение)");
    return false;
  }
  if (!name_list(st, "role")) return false;
  if (tok_.kind != Tok::End) {
    fail_here("expected the end of the line after the schema declaration");
    return false;
  }
  st.source = intern(line_);
  doc_->statements.push_back(st);
  return true;
}

bool Parser::definition() {
  Statement st;
  st.kind = StatementKind::Definition;
  st.line = line_no_;
  st.first_node = static_cast<std::uint32_t>(doc_->nodes.size());
  const Token target = tok_;
  st.name_pos = target.begin;
  if (target.kind == Tok::Delta) {
    const std::size_t begin = doc_->pool.size();
    doc_->pool.append("\xCE\x94");
    doc_->pool.append(value_of(target));
    st.name = Str{static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(doc_->pool.size() - begin)};
  } else {
    st.name = intern(value_of(target));
  }
  advance();
  if (tok_.kind == Tok::LParen) {
    if (target.kind != Tok::Delta) {
      fail(tok_.begin, "only a Δ-address can take parameters; a glyph names a formula without them");
      return false;
    }
    if (!name_list(st, "parameter")) return false;
  }
  // tok_ is '=' (checked by the caller's look-ahead)
  const Token eq = tok_;
  advance();
  if (!operand_after(eq)) return false;
  st.root = flow();
  if (st.root == kNone) return false;
  if (!finish(st, Mode::Statement)) return false;
  st.source = intern(line_);
  doc_->statements.push_back(st);
  return true;
}

bool Parser::anonymous(Mode mode) {
  Statement st;
  st.kind = StatementKind::Anonymous;
  st.line = line_no_;
  st.first_node = static_cast<std::uint32_t>(doc_->nodes.size());
  if (!starts_formula(tok_.kind)) {
    if (tok_.kind == Tok::Equals && mode == Mode::Statement)
      fail(tok_.begin, "expected a formula before '='");
    else
      fail_here("expected a formula");
    return false;
  }
  st.root = flow();
  if (st.root == kNone) return false;
  if (!finish(st, mode)) return false;
  st.source = intern(line_);
  doc_->statements.push_back(st);
  return true;
}

bool Parser::statement(Mode mode) {
  if (mode == Mode::Expression) return anonymous(mode);
  // schema name(...)  — the keyword counts only at the start, before a word.
  if (tok_.kind == Tok::Word && value_of(tok_) == "schema") {
    const std::size_t saved = lex_.pos();
    const Token next = lex_.next();
    lex_.seek(saved);
    if (next.kind == Tok::Word) return schema_declaration();
  }
  // Δ12 = …, ⟁ = …, ΔF(x, y) = …   (otherwise Δ12 + … is an anonymous formula)
  if (tok_.kind == Tok::Delta || tok_.kind == Tok::Glyph) {
    const std::size_t saved = lex_.pos();
    Token next = lex_.next();
    bool is_definition = next.kind == Tok::Equals;
    if (next.kind == Tok::LParen) {
      // Parameters are words: ( word {, word} ) =
      for (;;) {
        next = lex_.next();
        if (next.kind != Tok::Word) break;
        next = lex_.next();
        if (next.kind == Tok::Comma) continue;
        if (next.kind == Tok::RParen) is_definition = lex_.next().kind == Tok::Equals;
        break;
      }
    }
    lex_.seek(saved);
    if (is_definition) return definition();
  }
  return anonymous(mode);
}

bool Parser::line(std::string_view text, std::uint32_t line_no, Document& doc, Mode mode) {
  doc_ = &doc;
  line_ = text;
  line_no_ = line_no;
  lex_.reset(text);
  stack_.clear();
  depth_ = 0;
  failed_ = false;
  const std::size_t nodes = doc.nodes.size(), children = doc.children.size(),
                    names = doc.names.size(), pool = doc.pool.size();
  advance();
  if (tok_.kind == Tok::End && mode == Mode::Statement) return true;  // blank or comment
  if (statement(mode) && !failed_) return true;
  // Roll back what the bad line added, keep one error for it.
  doc.nodes.resize(nodes);
  doc.children.resize(children);
  doc.names.resize(names);
  doc.pool.resize(pool);
  stack_.clear();
  doc.errors.push_back(make_error(doc.filename, line_no, text, error_pos_, std::move(error_message_)));
  error_message_.clear();
  return false;
}

bool Parser::parse_line(std::string_view text, std::uint32_t line_no, Document& doc) {
  return line(text, line_no, doc, Mode::Statement);
}

namespace {
// Calls fn(line, number) for each line of text.
template <typename Fn>
void for_each_line(std::string_view text, std::uint32_t first_line, Fn fn) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::uint32_t number = first_line;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find('\n', begin);
    const bool last = end == std::string_view::npos;
    if (last) end = text.size();
    std::string_view l = text.substr(begin, end - begin);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (!(last && l.empty() && begin > 0)) fn(l, number);
    if (last) break;
    begin = end + 1;
    ++number;
  }
}
}  // namespace

void Parser::parse_text(std::string_view text, Document& doc, std::uint32_t first_line,
                        bool stop_at_error) {
  // Offsets in the arena are 32-bit: a bigger text must be parsed in parts.
  constexpr std::size_t kMaxText = std::size_t{1} << 30;
  if (text.size() > kMaxText) {
    doc.errors.push_back(make_error(doc.filename, first_line, {}, 0,
                                    "the text is larger than 1 GiB; parse it in parts"));
    return;
  }
  // Rough sizes for formula text (names plus the copied source lines; about a
  // node per six bytes), so that big inputs grow the arena only a few times.
  doc.pool.reserve(doc.pool.size() + text.size() * 2);
  doc.nodes.reserve(doc.nodes.size() + text.size() / 6);
  doc.children.reserve(doc.children.size() + text.size() / 6);
  bool stopped = false;
  for_each_line(text, first_line, [&](std::string_view l, std::uint32_t n) {
    if (!stopped && !line(l, n, doc, Mode::Statement) && stop_at_error) stopped = true;
  });
}

std::uint32_t Parser::parse_statement(std::string_view text, Document& doc) {
  const std::size_t statements = doc.statements.size(), errors = doc.errors.size();
  bool extra = false;
  for_each_line(text, 1, [&](std::string_view l, std::uint32_t n) {
    if (extra || doc.errors.size() > errors) return;
    line(l, n, doc, Mode::Statement);
    if (doc.statements.size() > statements + 1) {
      doc.statements.pop_back();
      doc.errors.push_back(make_error(doc.filename, n, l, 0,
                                      "expected one statement; found another on line " +
                                          std::to_string(n) + " (use parse_many for several)"));
      extra = true;
    }
  });
  if (doc.errors.size() > errors) return kNone;
  if (doc.statements.size() == statements) {
    doc.errors.push_back(make_error(doc.filename, 1, text.substr(0, text.find('\n')), text.find('\n') == std::string_view::npos ? text.size() : text.find('\n'), "expected a statement, found only blank lines or comments"));
    return kNone;
  }
  return static_cast<std::uint32_t>(doc.statements.size() - 1);
}

std::uint32_t Parser::parse_expression(std::string_view text, Document& doc) {
  const std::size_t nl = text.find('\n');
  std::string_view l = text.substr(0, nl);
  if (!l.empty() && l.back() == '\r' && nl != std::string_view::npos) l.remove_suffix(1);
  if (nl != std::string_view::npos) {
    doc.errors.push_back(make_error(doc.filename, 1, l, l.size(), "expected one line: a formula cannot span several lines"));
    return kNone;
  }
  if (!line(l, 1, doc, Mode::Expression)) return kNone;
  return static_cast<std::uint32_t>(doc.statements.size() - 1);
}

}  // namespace deltaform::formula
