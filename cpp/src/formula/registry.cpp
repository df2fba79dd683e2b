#include "deltaform/formula/registry.hpp"

#include <algorithm>
#include <tuple>

#include "deltaform/unicode.hpp"

namespace deltaform::formula {
namespace {

std::string where(const Document& doc, const Statement& st) {
  return doc.filename + ":" + std::to_string(st.line);
}

std::string quoted_list(const Document& doc, const Statement& st) {
  std::string out;
  for (std::uint32_t i = 0; i < st.name_count; ++i) {
    if (i) out += ", ";
    out += doc.str(doc.name_at(st, i).text);
  }
  return out;
}

std::string count(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

bool has_expression(const Statement& st) { return st.root != kNone; }

}  // namespace

// ---------------------------------------------------------------- building

bool Registry::is_pattern(const Document& doc, const Statement& st) {
  if (!has_expression(st)) return false;
  for (std::uint32_t i = st.first_node; i <= st.root; ++i) {
    const Node& n = doc.nodes[i];
    if (n.kind == NodeKind::Var) return true;
    if (n.kind == NodeKind::Atom && !n.quoted) {
      const std::string_view t = doc.text(n);
      if (!t.empty() && (t.front() == '?' || t.find(" ?") != std::string_view::npos)) return true;
    }
  }
  return false;
}

void Registry::add(std::shared_ptr<const Document> doc) {
  const Document* d = doc.get();
  const auto doc_index = static_cast<std::uint32_t>(docs_.size());
  docs_.push_back(std::move(doc));
  for (std::uint32_t s = 0; s < d->statements.size(); ++s) {
    const Statement& st = d->statements[s];
    Item item{d, s, doc_index, is_pattern(*d, st), {}};
    for (std::uint32_t i = 0; i < st.name_count; ++i)
      item.param_keys.push_back(unicode::normalize_name(d->str(d->name_at(st, i).text)));
    const auto index = static_cast<std::uint32_t>(items_.size());
    if (st.kind == StatementKind::Definition) {
      auto [it, fresh] = definitions_.emplace(std::string(d->str(st.name)), index);
      if (!fresh) duplicates_.push_back({index, it->second});
    } else if (st.kind == StatementKind::Schema) {
      auto [it, fresh] = schemas_.emplace(unicode::normalize_name(d->str(st.name)), index);
      if (!fresh) duplicates_.push_back({index, it->second});
    }
    items_.push_back(std::move(item));
  }
}

void Registry::add_known(std::string address) { known_.insert(std::move(address)); }

const Registry::Item* Registry::find_definition(std::string_view address) const {
  const auto it = definitions_.find(std::string(address));
  return it == definitions_.end() ? nullptr : &items_[it->second];
}

Registry::Entry Registry::definition(std::string_view address) const {
  const Item* item = find_definition(address);
  return item ? Entry{item->doc, &item->st()} : Entry{};
}

Registry::Entry Registry::schema(std::string_view name) const {
  const auto it = schemas_.find(unicode::normalize_name(name));
  if (it == schemas_.end()) return {};
  const Item& item = items_[it->second];
  return Entry{item.doc, &item.st()};
}

// ---------------------------------------------------------------- graph

void Registry::references(const Item& item,
                          std::vector<std::pair<std::uint32_t, std::uint32_t>>& out) const {
  out.clear();
  const Statement& st = item.st();
  if (!has_expression(st)) return;
  for (std::uint32_t i = st.first_node; i <= st.root; ++i) {
    const Node& n = item.doc->nodes[i];
    if (n.kind != NodeKind::Ref && n.kind != NodeKind::Glyph) continue;
    const auto it = definitions_.find(std::string(item.doc->text(n)));
    if (it != definitions_.end()) out.emplace_back(it->second, n.pos);
  }
}

// Strongly connected components with a cycle (Tarjan, iteratively), each as
// one cycle path starting at its earliest member.
std::vector<std::vector<std::uint32_t>> Registry::cycles() const {
  const auto n = static_cast<std::uint32_t>(items_.size());
  std::vector<std::vector<std::uint32_t>> edges(n);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> refs;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (items_[i].st().kind != StatementKind::Definition) continue;
    references(items_[i], refs);
    for (const auto& r : refs) edges[i].push_back(r.first);
  }
  std::vector<std::uint32_t> index(n, kNone), low(n, 0), stack;
  std::vector<bool> on_stack(n, false);
  std::vector<std::vector<std::uint32_t>> result;
  std::uint32_t counter = 0;
  struct Frame {
    std::uint32_t v, edge;
  };
  std::vector<Frame> frames;
  for (std::uint32_t root = 0; root < n; ++root) {
    if (index[root] != kNone) continue;
    frames.push_back({root, 0});
    index[root] = low[root] = counter++;
    stack.push_back(root);
    on_stack[root] = true;
    while (!frames.empty()) {
      Frame& f = frames.back();
      if (f.edge < edges[f.v].size()) {
        const std::uint32_t w = edges[f.v][f.edge++];
        if (index[w] == kNone) {
          index[w] = low[w] = counter++;
          stack.push_back(w);
          on_stack[w] = true;
          frames.push_back({w, 0});
        } else if (on_stack[w]) {
          low[f.v] = std::min(low[f.v], index[w]);
        }
        continue;
      }
      const std::uint32_t v = f.v;
      frames.pop_back();
      if (!frames.empty()) low[frames.back().v] = std::min(low[frames.back().v], low[v]);
      if (low[v] != index[v]) continue;
      std::vector<std::uint32_t> component;
      for (;;) {
        const std::uint32_t w = stack.back();
        stack.pop_back();
        on_stack[w] = false;
        component.push_back(w);
        if (w == v) break;
      }
      const bool self_loop = std::find(edges[v].begin(), edges[v].end(), v) != edges[v].end();
      if (component.size() == 1 && !self_loop) continue;
      // A concrete cycle: breadth-first from the earliest member back to it.
      const std::uint32_t start = *std::min_element(component.begin(), component.end());
      std::vector<bool> member(n, false);
      for (auto w : component) member[w] = true;
      std::vector<std::uint32_t> parent(n, kNone), queue{start};
      std::uint32_t last = kNone;
      for (std::size_t q = 0; q < queue.size() && last == kNone; ++q) {
        for (auto w : edges[queue[q]]) {
          if (!member[w]) continue;
          if (w == start) {
            last = queue[q];
            break;
          }
          if (parent[w] == kNone) {
            parent[w] = queue[q];
            queue.push_back(w);
          }
        }
      }
      std::vector<std::uint32_t> path;
      for (std::uint32_t w = last; w != start; w = parent[w]) path.push_back(w);
      path.push_back(start);
      std::reverse(path.begin(), path.end());
      result.push_back(std::move(path));
    }
  }
  std::sort(result.begin(), result.end());
  return result;
}

// ---------------------------------------------------------------- check

std::vector<Error> Registry::check() const {
  struct Found {
    std::uint32_t doc_index;
    Error error;
  };
  std::vector<Found> found;
  auto report = [&](const Item& item, std::uint32_t pos, std::string message) {
    found.push_back({item.doc_index, item.doc->error_at(item.st(), pos, std::move(message))});
  };

  for (const Duplicate& d : duplicates_) {
    const Item& item = items_[d.item];
    const Item& first = items_[d.first];
    const Statement& st = item.st();
    const std::string name(item.doc->str(st.name));
    if (st.kind == StatementKind::Schema)
      report(item, st.name_pos, "the schema " + name + " is already declared at " + where(*first.doc, first.st()));
    else
      report(item, st.name_pos, name + " is already defined at " + where(*first.doc, first.st()));
  }

  for (const Item& item : items_) {
    const Statement& st = item.st();
    if (!has_expression(st)) continue;
    const Document& doc = *item.doc;
    for (std::uint32_t i = st.first_node; i <= st.root; ++i) {
      const Node& n = doc.nodes[i];
      const std::string_view text = doc.text(n);
      switch (n.kind) {
        case NodeKind::Ref:
        case NodeKind::Glyph: {
          const Item* def = find_definition(text);
          const bool glyph = n.kind == NodeKind::Glyph;
          if (!def) {
            if (!is_known(text))
              report(item, n.pos, std::string(glyph ? "unknown symbol " : "unknown reference ") +
                                      std::string(text) + ": no statement defines it");
            break;
          }
          const Statement& ds = def->st();
          const std::size_t params = ds.name_count;
          if (n.count != params) {
            const std::string name(text);
            if (params == 0)
              report(item, n.pos, name + " takes no arguments (it is not a parametric formula), but " +
                                      count(n.count, "is", "are") + " given");
            else if (n.count == 0)
              report(item, n.pos, name + " takes " + count(params, "argument", "arguments") + " (" +
                                      quoted_list(*def->doc, ds) + "); write " + name + "(…)");
            else
              report(item, n.pos, name + " takes " + count(params, "argument", "arguments") + " (" +
                                      quoted_list(*def->doc, ds) + "), but " +
                                      count(n.count, "is", "are") + " given");
          }
          if (def->pattern && !item.pattern)
            report(item, n.pos, std::string(text) +
                                    " is a pattern (it contains variables); only a pattern may refer to it");
          break;
        }
        case NodeKind::SchemaCall: {
          const auto it = schemas_.find(unicode::normalize_name(text));
          if (it == schemas_.end()) {
            report(item, n.pos, "unknown schema '" + std::string(text) + "': declare it first, as in schema " +
                                    std::string(text) + "(объект, напряжение)");
            break;
          }
          const Item& decl = items_[it->second];
          const std::size_t roles = decl.st().name_count;
          if (n.count != roles)
            report(item, n.pos, "the schema " + std::string(decl.doc->str(decl.st().name)) + " has " +
                                    count(roles, "role", "roles") + " (" + quoted_list(*decl.doc, decl.st()) +
                                    "), but " + count(n.count, "argument is", "arguments are") + " given");
          break;
        }
        case NodeKind::Var: {
          if (item.param_keys.empty()) break;
          const std::string key = unicode::normalize_name(text);
          if (std::find(item.param_keys.begin(), item.param_keys.end(), key) != item.param_keys.end())
            report(item, n.pos, "?" + std::string(text) + " is a variable, but " + std::string(text) +
                                    " is a parameter of " + std::string(doc.str(st.name)) +
                                    "; write it without '?'");
          break;
        }
        default:
          break;
      }
    }
  }

  std::vector<std::pair<std::uint32_t, std::uint32_t>> refs;
  for (const auto& cycle : cycles()) {
    const Item& first = items_[cycle.front()];
    const std::uint32_t next = cycle.size() > 1 ? cycle[1] : cycle.front();
    references(first, refs);
    std::uint32_t pos = first.st().name_pos;
    for (const auto& r : refs)
      if (r.first == next) {
        pos = r.second;
        break;
      }
    std::string path;
    for (auto w : cycle) path += std::string(items_[w].doc->str(items_[w].st().name)) + " → ";
    path += std::string(first.doc->str(first.st().name));
    report(first, pos, std::string(first.doc->str(first.st().name)) +
                           " is defined in terms of itself: " + path);
  }

  std::stable_sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    return std::tie(a.doc_index, a.error.line, a.error.column) <
           std::tie(b.doc_index, b.error.line, b.error.column);
  });
  std::vector<Error> errors;
  errors.reserve(found.size());
  for (auto& f : found) errors.push_back(std::move(f.error));
  return errors;
}

// ---------------------------------------------------------------- order

std::vector<Registry::Entry> Registry::order() const {
  const auto n = static_cast<std::uint32_t>(items_.size());
  enum : std::uint8_t { Unseen, Open, Good, Bad };
  std::vector<std::uint8_t> state(n, Unseen);
  for (const auto& cycle : cycles())
    for (auto w : cycle) state[w] = Bad;
  // Members of a component that are not on the chosen cycle path still reach
  // it, so the walk below marks them bad as well.
  std::vector<std::vector<std::uint32_t>> edges(n);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> refs;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (items_[i].st().kind != StatementKind::Definition) continue;
    references(items_[i], refs);
    for (const auto& r : refs) edges[i].push_back(r.first);
  }
  std::vector<Entry> out;
  struct Frame {
    std::uint32_t v, edge;
    bool bad;
  };
  std::vector<Frame> frames;
  for (std::uint32_t root = 0; root < n; ++root) {
    if (state[root] != Unseen || items_[root].st().kind != StatementKind::Definition) continue;
    if (definitions_.at(std::string(items_[root].doc->str(items_[root].st().name))) != root) continue;
    frames.push_back({root, 0, false});
    state[root] = Open;
    while (!frames.empty()) {
      Frame& f = frames.back();
      if (f.edge < edges[f.v].size()) {
        const std::uint32_t w = edges[f.v][f.edge++];
        if (state[w] == Unseen) {
          state[w] = Open;
          frames.push_back({w, 0, false});
        } else if (state[w] == Bad || state[w] == Open) {
          f.bad = true;  // depends on a cycle (Open: a cycle through the walk itself)
        }
        continue;
      }
      const Frame done = f;
      frames.pop_back();
      state[done.v] = done.bad ? Bad : Good;
      if (done.bad && !frames.empty()) frames.back().bad = true;
      if (!done.bad) out.push_back(Entry{items_[done.v].doc, &items_[done.v].st()});
    }
  }
  return out;
}

// ---------------------------------------------------------------- expand

struct Registry::Expander {
  const Registry& reg;
  Document& out;
  std::size_t max_nodes;
  std::size_t start;
  const Document& top_doc;  // what is being expanded, for messages
  const Statement& top_st;
  std::vector<const Item*> active;  // definitions being expanded, for cycles

  [[noreturn]] void fail(const Document& doc, const Statement& st, std::uint32_t pos, std::string msg) {
    throw FormulaException(doc.error_at(st, pos, std::move(msg)));
  }

  std::uint32_t add(Node n, const Document& doc, const Node& from) {
    if (out.nodes.size() - start >= max_nodes)
      fail(top_doc, top_st, top_st.root != kNone ? top_doc.nodes[top_st.root].pos : 0,
           "the expansion has more than " + std::to_string(max_nodes) +
               " nodes; parametric formulas apply each other too often");
    n.text = out.intern(doc.text(from));
    out.nodes.push_back(n);
    return static_cast<std::uint32_t>(out.nodes.size() - 1);
  }

  // Copies statement st's expression; params/env: the parameters being
  // substituted and the nodes (in out) of their arguments.
  std::uint32_t copy(const Document& doc, const Statement& st, const std::vector<std::string>* params,
                     const std::vector<std::uint32_t>* env) {
    const std::uint32_t first = st.first_node;
    std::vector<std::uint32_t> map(st.root - first + 1, kNone);
    std::vector<std::uint32_t> args;
    for (std::uint32_t i = first; i <= st.root; ++i) {
      const Node& n = doc.nodes[i];
      if (n.kind == NodeKind::Atom && !n.quoted && params && !params->empty()) {
        const std::string key = unicode::normalize_name(doc.text(n));
        const auto it = std::find(params->begin(), params->end(), key);
        if (it != params->end()) {
          map[i - first] = (*env)[static_cast<std::size_t>(it - params->begin())];
          continue;
        }
      }
      if (n.kind == NodeKind::Ref) {
        const std::string_view address = doc.text(n);
        const Item* def = reg.find_definition(address);
        const std::size_t wanted = def ? def->st().name_count : 0;
        if (n.count > 0 || wanted > 0) {
          if (!def)
            fail(doc, st, n.pos,
                 reg.is_known(address)
                     ? std::string(address) + " is defined elsewhere; its parameters are not known here"
                     : "unknown reference " + std::string(address) + ": no statement defines it");
          if (wanted != n.count)
            fail(doc, st, n.pos,
                 std::string(address) + (wanted == 0 ? " takes no arguments" : " takes " +
                                             count(wanted, "argument", "arguments")) +
                     ", but " + count(n.count, "is", "are") + " given");
          if (std::find(active.begin(), active.end(), def) != active.end())
            fail(doc, st, n.pos, std::string(address) + " is defined in terms of itself");
          if (active.size() >= static_cast<std::size_t>(kMaxDepth))
            fail(doc, st, n.pos, "parametric formulas are applied inside each other more than " +
                                     std::to_string(kMaxDepth) + " levels deep");
          args.clear();
          for (std::uint32_t k = 0; k < n.count; ++k) args.push_back(map[doc.kid(n, k).node - first]);
          const std::vector<std::uint32_t> bound(args);
          active.push_back(def);
          map[i - first] = copy(*def->doc, def->st(), &def->param_keys, &bound);
          active.pop_back();
          continue;
        }
      }
      Node copy_of = n;
      copy_of.first = static_cast<std::uint32_t>(out.children.size());
      for (std::uint32_t k = 0; k < n.count; ++k) {
        const Child& c = doc.kid(n, k);
        out.children.push_back(Child{map[c.node - first], c.sign});
      }
      map[i - first] = add(copy_of, doc, n);
    }
    return map[st.root - first];
  }
};

std::uint32_t Registry::expand(const Document& doc, const Statement& st, Document& out,
                               std::size_t max_nodes) const {
  if (!has_expression(st))
    throw FormulaException(doc.error_at(st, st.name_pos, "a schema declaration has no formula to expand"));
  Expander e{*this, out, max_nodes, out.nodes.size(), doc, st, {}};
  return e.copy(doc, st, nullptr, nullptr);
}

}  // namespace deltaform::formula
