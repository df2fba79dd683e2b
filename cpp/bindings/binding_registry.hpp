// Each binding file registers the part of the module it defines, so that
// areas can be added without touching a central list. `order` fixes the
// sequence: classes are defined before the functions that take them.
#pragma once
#include <pybind11/pybind11.h>

namespace deltaform::bindings {

using BindFn = void (*)(pybind11::module_&);
int register_binding(int order, const char* name, BindFn fn);

}  // namespace deltaform::bindings

namespace py = pybind11;

#define DF_CONCAT_INNER(a, b) a##b
#define DF_CONCAT(a, b) DF_CONCAT_INNER(a, b)
// Usage: DF_BINDING(20, search) { m.def(...); }
#define DF_BINDING(order, name)                                                   \
  static void DF_CONCAT(df_bind_, name)(pybind11::module_ & m);                   \
  static const int DF_CONCAT(df_registered_, name) =                              \
      ::deltaform::bindings::register_binding(order, #name, DF_CONCAT(df_bind_, name)); \
  static void DF_CONCAT(df_bind_, name)(pybind11::module_ & m)
