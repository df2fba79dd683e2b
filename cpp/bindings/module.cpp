#include <algorithm>
#include <tuple>
#include <vector>

#include "binding_registry.hpp"

namespace deltaform::bindings {
namespace {
struct Entry {
  int order;
  const char* name;
  BindFn fn;
};
std::vector<Entry>& entries() {
  static std::vector<Entry> all;
  return all;
}
}  // namespace

int register_binding(int order, const char* name, BindFn fn) {
  entries().push_back({order, name, fn});
  return 0;
}
}  // namespace deltaform::bindings

PYBIND11_MODULE(_core, m) {
  m.doc() = "deltaform's C++ core: algebras, codebook, search, formula parser and encoder";
  auto all = deltaform::bindings::entries();
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return std::tie(a.order, a.name) < std::tie(b.order, b.name);
  });
  for (const auto& e : all) e.fn(m);
}
