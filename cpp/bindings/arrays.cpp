#include "arrays.hpp"
#include "result_blocks.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "binding_registry.hpp"
#include "deltaform/kernels.hpp"
#include "deltaform/parallel.hpp"

namespace deltaform::bindings {

std::string shape_text(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) {
    if (i) s += ", ";
    s += std::to_string(a.shape(i));
  }
  if (a.ndim() == 1) s += ",";
  return s + ")";
}

const char* storage_dtype_name(const SpaceParams& p) { return p.is_binary() ? "uint8" : "float32"; }
std::size_t storage_columns(const SpaceParams& p) { return p.is_binary() ? p.dim / 8 : p.width(); }
py::dtype storage_dtype(const SpaceParams& p) {
  return p.is_binary() ? py::dtype::of<std::uint8_t>() : py::dtype::of<float>();
}

void require_finite(const float* x, std::size_t n, const char* what, int threads) {
  // One vectorised pass (in parallel for large batches: the check reads as many
  // bytes as a memory-bound operation does); the loop below only names the culprit.
  constexpr std::size_t chunk = std::size_t(1) << 16;
  const std::size_t chunks = (n + chunk - 1) / chunk;
  std::atomic<bool> finite{true};
  parallel_for(chunks, threads, 16, [&](std::size_t lo, std::size_t hi) {
    const std::size_t b = lo * chunk, e = std::min(n, hi * chunk);
    if (!kernels().all_finite(x + b, e - b)) finite.store(false, std::memory_order_relaxed);
  });
  if (finite.load()) return;
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i]))
      throw py::value_error(std::string(what) + " contains " + (std::isnan(x[i]) ? "NaN" : "infinity") +
                            " at flat index " + std::to_string(i));
}

VectorBatch vector_batch(const SpaceParams& p, const py::handle& obj, const char* what, bool allow_3d,
                         bool check_finite, int threads) {
  if (!py::isinstance<py::array>(obj))
    throw py::type_error(std::string(what) + ": expected a numpy array of " + storage_dtype_name(p) + ", got " +
                         std::string(py::str(py::repr(py::type::of(obj)))));
  py::array a = py::reinterpret_borrow<py::array>(obj);
  const std::size_t cols = storage_columns(p);
  if (!a.dtype().is(storage_dtype(p)))
    throw py::type_error(std::string(what) + ": expected dtype " + storage_dtype_name(p) + " for a " +
                         algebra_name(p.algebra) + " space, got " + std::string(py::str(a.dtype())) +
                         " (convert with .astype(np." + storage_dtype_name(p) + "))");
  const py::ssize_t nd = a.ndim();
  if (nd < 1 || nd > (allow_3d ? 3 : 2))
    throw py::value_error(std::string(what) + ": expected shape (" + std::to_string(cols) + ",) or (n, " +
                          std::to_string(cols) + ")" + (allow_3d ? " or (groups, n, " + std::to_string(cols) + ")" : "") +
                          ", got " + shape_text(a));
  if (std::size_t(a.shape(nd - 1)) != cols)
    throw py::value_error(std::string(what) + ": expected vectors of " + std::to_string(cols) + " " +
                          storage_dtype_name(p) + " values (" + algebra_name(p.algebra) + ", dim " +
                          std::to_string(p.dim) + "), got shape " + shape_text(a));
  if (!(a.flags() & py::array::c_style)) {
    std::string strides = "(";
    for (py::ssize_t i = 0; i < nd; ++i) strides += (i ? ", " : "") + std::to_string(a.strides(i));
    throw py::value_error(std::string(what) + ": array must be C-contiguous (a transposed or sliced view is not; use " +
                          "np.ascontiguousarray), got shape " + shape_text(a) + " with strides " + strides +
                          (nd == 1 ? ",)" : ")") + " bytes");
  }
  VectorBatch b;
  b.rows = 1;
  for (py::ssize_t i = 0; i + 1 < nd; ++i) b.rows *= std::size_t(a.shape(i));
  b.single = nd == 1;
  b.data = a.data();
  b.array = a;
  if (check_finite && !p.is_binary() && b.rows > 0) {
    py::gil_scoped_release nogil;
    require_finite(static_cast<const float*>(b.data), b.rows * p.width(), what, threads);
  }
  return b;
}

void require_finite_inputs_by_output(const SpaceParams& p, const void* out, std::size_t out_rows,
                                     std::initializer_list<std::pair<const VectorBatch*, const char*>> inputs,
                                     int threads) {
  if (p.is_binary()) return;
  if (out_rows > 0) {
    const float* o = static_cast<const float*>(out);
    const std::size_t n = out_rows * p.width();
    constexpr std::size_t chunk = std::size_t(1) << 16;
    std::atomic<bool> finite{true};
    parallel_for((n + chunk - 1) / chunk, threads, 16, [&](std::size_t lo, std::size_t hi) {
      const std::size_t b = lo * chunk, e = std::min(n, hi * chunk);
      if (!kernels().all_finite(o + b, e - b)) finite.store(false, std::memory_order_relaxed);
    });
    if (finite.load()) return;
  }
  for (const auto& [batch, what] : inputs)
    require_finite(static_cast<const float*>(batch->data), batch->rows * p.width(), what, threads);
}

py::array new_vectors(const SpaceParams& p, std::size_t rows, bool single) {
  std::vector<py::ssize_t> shape;
  if (!single) shape.push_back(py::ssize_t(rows));
  shape.push_back(py::ssize_t(storage_columns(p)));
  return new_result_array(storage_dtype(p), shape);
}

py::array output_vectors(const SpaceParams& p, std::size_t rows, const py::object& out, const char* what,
                         std::initializer_list<py::array> inputs) {
  if (out.is_none()) return new_vectors(p, rows, false);
  const std::string where = std::string(what) + ": out";
  // The checks of an input batch (array, dtype, width, layout), then what an output needs besides.
  py::array a = vector_batch(p, out, where.c_str(), false, false).array;
  if (a.ndim() != 2 || std::size_t(a.shape(0)) != rows)
    throw py::value_error(where + " must have shape (" + std::to_string(rows) + ", " +
                          std::to_string(storage_columns(p)) + "), got " + shape_text(a));
  if (!a.writeable()) throw py::value_error(where + " is read-only");
  const auto* lo = static_cast<const char*>(a.data());
  const auto* hi = lo + rows * p.bytes();
  for (const py::array& in : inputs) {
    const auto* b = static_cast<const char*>(in.data());
    const auto* e = b + std::size_t(in.nbytes());
    if (in.nbytes() > 0 && rows > 0 && b < hi && lo < e)
      throw py::value_error(where + " overlaps an input array; pass a separate buffer");
  }
  return a;
}

void* mutable_data(py::array& a) { return a.mutable_data(); }

}  // namespace deltaform::bindings

DF_BINDING(0, errors) {
  namespace py = pybind11;
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const deltaform::InvalidArgument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const deltaform::Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });
  (void)m;
}
