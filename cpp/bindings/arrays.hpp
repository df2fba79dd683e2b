// Turning numpy arrays into views the core can use, without copies. Wrong
// dtype, layout or width is an error that says what was expected and what
// was given; nothing is silently converted.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <string>
#include <vector>

#include "deltaform/algebra.hpp"

namespace deltaform::bindings {

namespace py = pybind11;

// A batch of vectors of one space: rows x width elements, C-contiguous.
struct VectorBatch {
  py::array array;  // keeps the buffer alive
  const void* data = nullptr;
  std::size_t rows = 0;
  bool single = false;  // given as one vector (ndim 1)
};

std::string shape_text(const py::array& a);
const char* storage_dtype_name(const SpaceParams& p);  // "float32" or "uint8"
std::size_t storage_columns(const SpaceParams& p);     // last-axis length in numpy
py::dtype storage_dtype(const SpaceParams& p);

// Accepts (width,) or (n, width); with allow_3d also (g, m, width) (rows = g*m).
// The finite check of a large batch is split over `threads` (0 = all cores).
VectorBatch vector_batch(const SpaceParams& p, const py::handle& obj, const char* what, bool allow_3d = false,
                         bool check_finite = true, int threads = 1);
// bind, unbind, inverse and bundle are products and weighted sums: a NaN or
// infinite input always gives a NaN or infinite output (NaN propagates; inf
// stays inf, or meets -inf or 0 and becomes NaN). So they skip the input check
// (vector_batch with check_finite=false), and this one pass over the output,
// no larger than the inputs, replaces it; only when the output is not finite
// are the inputs searched in order, to name the culprit as the input check
// would. Finite inputs whose result overflows are accepted, as before.
// With no output rows the inputs are checked directly.
void require_finite_inputs_by_output(const SpaceParams& p, const void* out, std::size_t out_rows,
                                     std::initializer_list<std::pair<const VectorBatch*, const char*>> inputs,
                                     int threads);
// A new uninitialised array of `rows` vectors ((width,) when single); a large
// one reuses the memory of a freed result (result_blocks.hpp).
py::array new_vectors(const SpaceParams& p, std::size_t rows, bool single);
// Where a batch of `rows` vectors goes: a new array when `out` is None, else
// `out` itself after checking that it is a writeable C-contiguous array of the
// space's dtype and shape (rows, width) that does not overlap any of `inputs`
// (numpy's out= convention: the caller reuses a buffer, and no fresh pages are
// zeroed by the system on each call).
py::array output_vectors(const SpaceParams& p, std::size_t rows, const py::object& out, const char* what,
                         std::initializer_list<py::array> inputs = {});
void* mutable_data(py::array& a);
// Raises ValueError naming `what` when a float array holds NaN or infinity.
void require_finite(const float* x, std::size_t n, const char* what, int threads = 1);

}  // namespace deltaform::bindings
