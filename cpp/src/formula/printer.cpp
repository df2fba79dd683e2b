#include "deltaform/formula/printer.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <system_error>

namespace deltaform::formula {

namespace {

// Binding strength, to place parentheses (higher binds tighter).
enum Level : int { kFlow = 1, kBundle = 2, kBind = 3, kPrefix = 4, kPrimary = 5 };

int level_of(NodeKind kind) {
  switch (kind) {
    case NodeKind::Flow: return kFlow;
    case NodeKind::Bundle: return kBundle;
    case NodeKind::Bind: return kBind;
    case NodeKind::Weight:
    case NodeKind::Inverse:
    case NodeKind::Layer: return kPrefix;
    default: return kPrimary;
  }
}

class Printer {
 public:
  Printer(const Document& doc, std::string& out) : doc_(doc), out_(out) {}

  void expr(std::uint32_t i, int depth) {
    if (depth > kMaxPrintDepth)
      throw std::length_error("the formula is nested deeper than " + std::to_string(kMaxPrintDepth) +
                              " levels; it cannot be printed");
    const Node& n = doc_.node(i);
    switch (n.kind) {
      case NodeKind::Atom:
        if (n.quoted) quoted(doc_.text(n));
        else out_ += doc_.text(n);
        break;
      case NodeKind::Var:
        out_ += '?';
        out_ += doc_.text(n);
        break;
      case NodeKind::Glyph:
        out_ += doc_.text(n);
        break;
      case NodeKind::Ref:
        out_ += doc_.text(n);
        if (n.count) args(n, depth);
        break;
      case NodeKind::SchemaCall:
        out_ += doc_.text(n);
        args(n, depth);
        break;
      case NodeKind::Layer:
        out_ += doc_.text(n);
        out_ += ": ";
        kid(n, 0, kPrefix, depth);
        break;
      case NodeKind::Inverse:
        out_ += '~';
        kid(n, 0, kPrefix, depth);
        break;
      case NodeKind::Weight:
        out_ += format_weight(n.weight);
        out_ += '*';
        kid(n, 0, kPrefix, depth);
        break;
      case NodeKind::Bind:
        // The parser flattens a * b * c into one Bind, so a nested Bind in any
        // position came from parentheses and keeps them.
        kids(n, kPrefix, depth, [](std::uint32_t) { return " * "; });
        break;
      case NodeKind::Bundle:
        // A nested Bundle first came from parentheses too.
        kids(n, kBind, depth, [&](std::uint32_t k) { return doc_.kid(n, k).sign > 0 ? " + " : " - "; });
        break;
      case NodeKind::Flow:
        kids(n, kBundle, depth, [](std::uint32_t) { return " → "; });
        break;
    }
  }

 private:
  void kid(const Node& n, std::uint32_t k, int at_least, int depth) {
    const std::uint32_t c = doc_.kid(n, k).node;
    if (level_of(doc_.node(c).kind) < at_least) {
      out_ += '(';
      expr(c, depth + 1);
      out_ += ')';
    } else {
      expr(c, depth + 1);
    }
  }

  // Every child of n at `at_least`, with separator(k) before child k > 0.
  template <class Separator>
  void kids(const Node& n, int at_least, int depth, Separator separator) {
    for (std::uint32_t k = 0; k < n.count; ++k) {
      if (k) out_ += separator(k);
      kid(n, k, at_least, depth);
    }
  }

  void args(const Node& n, int depth) {
    out_ += '(';
    for (std::uint32_t k = 0; k < n.count; ++k) {
      if (k) out_ += ", ";
      expr(doc_.kid(n, k).node, depth + 1);
    }
    out_ += ')';
  }

  void quoted(std::string_view s) {
    out_ += '"';
    for (char c : s) {
      if (c == '\\' || c == '"') out_ += '\\';
      out_ += c;
    }
    out_ += '"';
  }

  const Document& doc_;
  std::string& out_;
};

void join_names(const Document& doc, const Statement& st, std::string& out) {
  out += '(';
  for (std::uint32_t i = 0; i < st.name_count; ++i) {
    if (i) out += ", ";
    out += doc.str(doc.name_at(st, i).text);
  }
  out += ')';
}

}  // namespace

std::string float_repr(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  if (x == 0) return std::signbit(x) ? "-0.0" : "0.0";
  // The shortest digits that read back as x (what Python's repr uses), in
  // scientific form: "d.ddde±XX".
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  if (res.ec != std::errc()) throw std::runtime_error("float_repr: to_chars failed");
  std::string_view sci(buf, std::size_t(res.ptr - buf));
  std::string out;
  if (sci.front() == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  const std::size_t e_at = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_at))
    if (c != '.') digits += c;
  const int exp10 = std::atoi(std::string(sci.substr(e_at + 1)).c_str());
  // Python's repr: fixed notation when -4 <= exponent < 16, else scientific.
  if (exp10 < -4 || exp10 >= 16) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out.append(digits, 1, std::string::npos);
    }
    out += 'e';
    out += exp10 < 0 ? '-' : '+';
    const int a = exp10 < 0 ? -exp10 : exp10;
    if (a < 10) out += '0';
    out += std::to_string(a);
    return out;
  }
  const int point = exp10 + 1;  // digits before the decimal point
  if (point <= 0) {
    out += "0.";
    out.append(std::size_t(-point), '0');
    out += digits;
  } else if (std::size_t(point) >= digits.size()) {
    out += digits;
    out.append(std::size_t(point) - digits.size(), '0');
    out += ".0";
  } else {
    out.append(digits, 0, std::size_t(point));
    out += '.';
    out.append(digits, std::size_t(point), std::string::npos);
  }
  return out;
}

std::string format_weight(double w) {
  if (!std::isfinite(w) || w < 0)
    throw std::invalid_argument("a weight must be a finite number >= 0, got " + float_repr(w));
  std::string text = float_repr(w);
  if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0) text.resize(text.size() - 2);
  return text;
}

void print_expr(const Document& doc, std::uint32_t root, std::string& out) {
  Printer(doc, out).expr(root, 0);
}

void print_definition(std::string_view target, const std::string_view* params, std::size_t param_count,
                      std::string_view expr_text, const std::string_view* scene, std::string& out) {
  out += target;
  if (param_count) {
    out += '(';
    for (std::size_t i = 0; i < param_count; ++i) {
      if (i) out += ", ";
      out += params[i];
    }
    out += ')';
  }
  out += " = ";
  out += expr_text;
  if (scene) {
    out += " = ";
    out += *scene;
  }
}

void print_statement(const Document& doc, const Statement& st, std::string& out) {
  switch (st.kind) {
    case StatementKind::Schema:
      out += "schema ";
      out += doc.str(st.name);
      join_names(doc, st, out);
      return;
    case StatementKind::Definition:
      out += doc.str(st.name);
      if (st.name_count) join_names(doc, st, out);
      out += " = ";
      print_expr(doc, st.root, out);
      break;
    case StatementKind::Anonymous: {
      const std::size_t start = out.size();
      print_expr(doc, st.root, out);
      // Parentheses keep the text from reading as another kind of statement:
      // "Δ1 = …" would be a definition, "schema a b(…)" a schema declaration.
      const NodeKind k = doc.node(st.root).kind;
      if ((st.has_scene && (k == NodeKind::Ref || k == NodeKind::Glyph)) ||
          std::string_view(out).substr(start).rfind("schema ", 0) == 0) {
        out.insert(start, 1, '(');
        out += ')';
      }
      break;
    }
  }
  if (st.has_scene) {
    out += " = ";
    out += doc.str(st.scene);
  }
}

}  // namespace deltaform::formula
