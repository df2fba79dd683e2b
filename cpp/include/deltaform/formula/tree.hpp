// The parsed form of Δ-formula text: one arena per parsed text (a line, a
// file, a batch of lines), no heap allocation per node.
//
// Shape, for whoever walks it (the encoder, the registry, the bindings):
//
//   Document
//     pool        one std::string; every name, role, address, scene and source
//                 line is a Str {offset, length} slice of it (UTF-8, already
//                 unescaped and normalised as described below)
//     nodes       std::vector<Node>, in POST-ORDER: a node's children always have
//                 smaller indices than the node, and a statement's root is the
//                 last node it owns. Evaluating nodes in index order is therefore
//                 a valid bottom-up order (what a flat encoding program needs).
//     children    std::vector<Child>; node.first .. node.first + node.count - 1
//                 are the child slots of a node, in source order. A Child is
//                 {node index, sign}; sign is -1 only for a term subtracted in a
//                 Bundle (`a - b`), +1 everywhere else. Children of one node are
//                 contiguous in `children`, not in `nodes`.
//     names       std::vector<Name>: the parameters of a parametric definition
//                 or the roles of a schema declaration (Statement.first_name ..).
//     statements  std::vector<Statement>, in line order.
//     errors      std::vector<Error>: one per bad line (the line's statement is
//                 then absent; the other lines are kept).
//
//   Node kinds and what they use (text = Node.text, kids = children):
//     Atom        text = the name: one word, or a phrase with its words joined by
//                 one space (pattern words keep their '?': "?y память"), or the
//                 unescaped content of a quoted atom (quoted = true). Not
//                 case-folded: identity is unicode::normalize_name(text).
//     Var         text = the variable name without '?'.
//     Ref         text = the address, always spelled with Δ (U+0394): "Δ12";
//                 kids = arguments of a parametric application (0 for a plain
//                 reference).
//     Glyph       text = the symbol (one code point; a trailing variation
//                 selector U+FE0E/U+FE0F is dropped).
//     SchemaCall  text = schema name; kids = arguments, by position.
//     Layer       text = role (one word); one kid = filler.
//     Inverse     one kid.
//     Weight      weight = the number (finite, >= 0); one kid.
//     Bind        two or more kids (a * b * c is one node; parentheses nest).
//     Bundle      two or more kids with signs; the first sign is +1.
//     Flow        two or more kids, the steps in order.
//   Node.pos is the byte offset of the node's first character in the source
//   line of its statement (Statement.source); column_of() turns it into the
//   1-based character column used in messages.
//
//   Statement kinds:
//     Definition  name = target (Δ-address with Δ, or a glyph); names = the
//                 parameters (empty unless parametric); root = body; scene
//                 optional (has_scene), trimmed, verbatim.
//     Anonymous   root = the expression; scene optional.
//     Schema      name = schema name; names = roles; root = kNone.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deltaform/formula/error.hpp"

namespace deltaform::formula {

inline constexpr std::uint32_t kNone = 0xFFFFFFFFu;

// A slice of Document::pool.
struct Str {
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
};

enum class NodeKind : std::uint8_t {
  Atom, Var, Ref, Glyph, SchemaCall, Layer, Inverse, Weight, Bind, Bundle, Flow
};
const char* kind_name(NodeKind kind);

struct Node {
  NodeKind kind = NodeKind::Atom;
  bool quoted = false;        // Atom written as "…"
  std::uint32_t pos = 0;      // byte offset in the statement's source line
  Str text;                   // see the table above
  std::uint32_t first = 0;    // first child slot in Document::children
  std::uint32_t count = 0;    // number of children
  double weight = 1.0;        // Weight only
};

struct Child {
  std::uint32_t node = 0;
  std::int32_t sign = 1;      // -1: subtracted term of a Bundle
};

struct Name {
  Str text;
  std::uint32_t pos = 0;      // byte offset in the source line
};

enum class StatementKind : std::uint8_t { Definition, Anonymous, Schema };
const char* kind_name(StatementKind kind);

struct Statement {
  StatementKind kind = StatementKind::Anonymous;
  bool has_scene = false;
  std::uint32_t line = 0;        // 1-based line number in the text
  Str name;                      // Definition target / Schema name
  std::uint32_t name_pos = 0;    // byte offset of the target / schema name
  std::uint32_t first_name = 0;  // parameters / roles in Document::names
  std::uint32_t name_count = 0;
  std::uint32_t root = kNone;    // expression root (kNone for Schema)
  std::uint32_t first_node = 0;  // the statement owns nodes first_node .. root
  Str scene;
  Str source;                    // the whole source line, for messages
};

class Document {
 public:
  std::string filename = "<string>";
  std::string pool;
  std::vector<Node> nodes;
  std::vector<Child> children;
  std::vector<Name> names;
  std::vector<Statement> statements;
  std::vector<Error> errors;

  std::string_view str(Str s) const { return std::string_view(pool).substr(s.offset, s.length); }
  std::string_view text(const Node& n) const { return str(n.text); }
  const Node& node(std::uint32_t i) const { return nodes[i]; }
  const Child* kids_begin(const Node& n) const { return children.data() + n.first; }
  const Child* kids_end(const Node& n) const { return children.data() + n.first + n.count; }
  const Child& kid(const Node& n, std::uint32_t i) const { return children[n.first + i]; }
  const Name& name_at(const Statement& s, std::uint32_t i) const { return names[s.first_name + i]; }

  // Appends text to the pool and returns its slice.
  Str intern(std::string_view s);

  // 1-based character column of byte offset `pos` in a statement's source line.
  std::uint32_t column_of(const Statement& s, std::uint32_t pos) const;
  // A positioned error about a place in a statement (registry messages).
  Error error_at(const Statement& s, std::uint32_t pos, std::string message) const;

  void clear();
};

// Bounds every recursion of the parser (parentheses, argument lists and prefix
// operators all count): deeper input is an error, never a stack overflow.
inline constexpr int kMaxDepth = 256;

}  // namespace deltaform::formula
