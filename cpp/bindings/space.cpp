// deltaform._core.Space: the algebra's batch operations and the codebook.
#include <pybind11/stl.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "arrays.hpp"
#include "binding_registry.hpp"
#include "deltaform/kernels.hpp"
#include "deltaform/parallel.hpp"
#include "deltaform/ops.hpp"
#include "deltaform/search.hpp"
#include "deltaform/space.hpp"
#include "deltaform/unicode.hpp"

namespace deltaform::bindings {
namespace {

std::size_t broadcast_rows(const VectorBatch& a, const VectorBatch& b, const char* op) {
  if (a.rows == b.rows) return a.rows;
  if (a.rows == 1 && a.single) return b.rows;
  if (b.rows == 1 && b.single) return a.rows;
  throw py::value_error(std::string(op) + ": operands have " + std::to_string(a.rows) + " and " +
                        std::to_string(b.rows) + " vectors; expected equal counts or one single vector");
}

py::array bind_op(Space& s, const py::object& a, const py::object& b, int threads, bool unbind) {
  const auto& p = s.params();
  auto A = vector_batch(p, a, "a", false, false), B = vector_batch(p, b, "b", false, false);
  std::size_t n = broadcast_rows(A, B, unbind ? "unbind" : "bind");
  py::array out = new_vectors(p, n, A.single && B.single);
  void* dst = mutable_data(out);
  py::gil_scoped_release nogil;
  ops::bind(p, A.data, A.rows, B.data, B.rows, dst, n, unbind, threads);
  require_finite_inputs_by_output(p, dst, n, {{&A, "a"}, {&B, "b"}}, threads);
  return out;
}

py::array atoms(Space& s, const std::vector<std::string>& names, int threads) {
  const auto& p = s.params();
  py::array out = new_vectors(p, names.size(), false);
  char* dst = static_cast<char*>(mutable_data(out));
  py::gil_scoped_release nogil;
  std::vector<std::uint32_t> ids(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::size_t bad;
    if (!unicode::valid_utf8(names[i], &bad)) throw InvalidArgument("atom name " + std::to_string(i) + " is not valid UTF-8");
    ids[i] = s.codebook().intern_name(names[i]);
  }
  const std::size_t bytes = p.bytes();
  parallel_for(names.size(), threads, 256, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) std::memcpy(dst + i * bytes, s.codebook().vector(ids[i]), bytes);
  });
  return out;
}

}  // namespace
}  // namespace deltaform::bindings

DF_BINDING(10, space) {
  using namespace deltaform;
  using namespace deltaform::bindings;
  py::class_<Space, std::shared_ptr<Space>>(m, "Space", "A vector space: algebra, dim, seed and codebook.")
      .def(py::init([](const std::string& algebra, std::int64_t dim, std::uint64_t seed) {
             if (dim <= 0) throw py::value_error("dim must be positive, got " + std::to_string(dim));
             SpaceParams p{parse_algebra(algebra), std::uint32_t(std::min<std::int64_t>(dim, 1LL << 30)), seed};
             if (dim > (1LL << 24)) throw py::value_error("dim must be at most 16777216, got " + std::to_string(dim));
             p.validate();
             return std::make_shared<Space>(p);
           }),
           py::arg("algebra") = "fhrr", py::arg("dim") = 1024, py::arg("seed") = 0)
      .def_property_readonly("algebra", [](const Space& s) { return algebra_name(s.params().algebra); })
      .def_property_readonly("dim", [](const Space& s) { return s.params().dim; })
      .def_property_readonly("seed", [](const Space& s) { return s.params().seed; })
      .def_property_readonly("width", [](const Space& s) { return storage_columns(s.params()); })
      .def_property_readonly("known_atoms", [](const Space& s) { return s.codebook().size(); })
      .def("atoms", &atoms, py::arg("names"), py::arg("threads") = 0)
      .def("atom_ids", [](Space& s, const std::vector<std::string>& names) {
        std::vector<std::uint32_t> ids(names.size());
        for (std::size_t i = 0; i < names.size(); ++i) ids[i] = s.codebook().intern_name(names[i]);
        return py::array_t<std::uint32_t>(py::ssize_t(ids.size()), ids.data());
      })
      .def("atom_name", [](Space& s, std::uint32_t id) { return s.codebook().name(id); })
      .def("bind", [](Space& s, py::object a, py::object b, int threads) { return bind_op(s, a, b, threads, false); },
           py::arg("a"), py::arg("b"), py::arg("threads") = 0)
      .def("unbind", [](Space& s, py::object a, py::object b, int threads) { return bind_op(s, a, b, threads, true); },
           py::arg("a"), py::arg("b"), py::arg("threads") = 0)
      .def("inverse",
           [](Space& s, py::object a, int threads) {
             const auto& p = s.params();
             auto A = vector_batch(p, a, "a", false, false);
             py::array out = new_vectors(p, A.rows, A.single);
             void* dst = mutable_data(out);
             py::gil_scoped_release nogil;
             ops::inverse(p, A.data, dst, A.rows, threads);
             require_finite_inputs_by_output(p, dst, A.rows, {{&A, "a"}}, threads);
             return out;
           },
           py::arg("a"), py::arg("threads") = 0)
      .def("bundle",
           [](Space& s, py::object x, py::object weights, int threads) {
             const auto& p = s.params();
             auto X = vector_batch(p, x, "vectors", true, false);
             py::array arr = X.array;
             std::size_t groups = arr.ndim() == 3 ? std::size_t(arr.shape(0)) : 1;
             std::size_t m = arr.ndim() == 1 ? 1 : std::size_t(arr.shape(arr.ndim() - 2));
             if (m == 0) throw py::value_error("bundle: empty batch, nothing to bundle (got shape " + shape_text(arr) + ")");
             py::array_t<float> w;
             bool per_group = false;
             if (!weights.is_none()) {
               if (!py::isinstance<py::array>(weights) || !py::reinterpret_borrow<py::array>(weights).dtype().is(py::dtype::of<float>()))
                 throw py::type_error("bundle: weights must be a numpy float32 array");
               w = py::reinterpret_borrow<py::array_t<float>>(weights);
               if (!(w.flags() & py::array::c_style)) throw py::value_error("bundle: weights must be C-contiguous");
               if (w.ndim() == 1 && std::size_t(w.shape(0)) == m) per_group = false;
               else if (arr.ndim() == 3 && w.ndim() == 2 && std::size_t(w.shape(0)) == groups && std::size_t(w.shape(1)) == m) per_group = true;
               else
                 throw py::value_error("bundle: expected " + std::to_string(m) + " weights" +
                                       (arr.ndim() == 3 ? " or shape (" + std::to_string(groups) + ", " + std::to_string(m) + ")" : std::string()) +
                                       ", got shape " + shape_text(w));
               require_finite(w.data(), std::size_t(w.size()), "bundle weights");
             }
             py::array out = new_vectors(p, groups, arr.ndim() < 3);
             void* dst = mutable_data(out);
             const float* wp = weights.is_none() ? nullptr : w.data();
             const std::uint64_t* tie = p.is_binary() ? s.tie_vector() : nullptr;
             py::gil_scoped_release nogil;
             ops::bundle(p, X.data, groups, m, wp, per_group, tie, dst, threads);
             require_finite_inputs_by_output(p, dst, groups, {{&X, "vectors"}}, threads);
             return out;
           },
           py::arg("vectors"), py::arg("weights") = py::none(), py::arg("threads") = 0)
      .def("permute",
           [](Space& s, py::object x, std::int64_t k, int threads) {
             const auto& p = s.params();
             auto X = vector_batch(p, x, "vectors", false, false);
             py::array out = new_vectors(p, X.rows, X.single);
             void* dst = mutable_data(out);
             py::gil_scoped_release nogil;
             ops::permute(p, X.data, dst, X.rows, k, threads);
             return out;
           },
           py::arg("vectors"), py::arg("k") = 1, py::arg("threads") = 0)
      .def("similarity",
           [](Space& s, py::object a, py::object b, int threads) -> py::object {
             const auto& p = s.params();
             auto A = vector_batch(p, a, "a", false, true, threads), B = vector_batch(p, b, "b", false, true, threads);
             std::size_t n = broadcast_rows(A, B, "similarity");
             py::array_t<float> out{py::ssize_t(n)};
             float* dst = out.mutable_data();
             {
               py::gil_scoped_release nogil;
               ops::similarity(p, A.data, A.rows, B.data, B.rows, dst, n, threads);
             }
             if (A.single && B.single) return py::float_(dst[0]);
             return std::move(out);
           },
           py::arg("a"), py::arg("b"), py::arg("threads") = 0)
      .def("random",
           [](Space& s, std::int64_t n, std::uint64_t seed, int threads) {
             if (n < 0) throw py::value_error("random: n must be >= 0, got " + std::to_string(n));
             const auto& p = s.params();
             py::array out = new_vectors(p, std::size_t(n), false);
             void* dst = mutable_data(out);
             py::gil_scoped_release nogil;
             ops::random_vectors(p, seed, std::size_t(n), dst, threads);
             return out;
           },
           py::arg("n"), py::arg("seed") = 0, py::arg("threads") = 0)
      .def("topk",
           [](Space& s, py::object queries, py::object matrix, std::int64_t k, py::object mask, bool normalize,
              int threads) -> py::tuple {
             const auto& p = s.params();
             auto Q = vector_batch(p, queries, "queries");
             auto X = vector_batch(p, matrix, "matrix", false, false);
             if (X.single) throw py::value_error("topk: matrix must be 2-D (n, " + std::to_string(storage_columns(p)) + ")");
             if (Q.rows == 0) throw py::value_error("topk: empty batch of queries");
             if (k <= 0) throw py::value_error("topk: k must be positive, got " + std::to_string(k));
             if (std::size_t(k) > X.rows)
               throw py::value_error("topk: k=" + std::to_string(k) + " exceeds the " + std::to_string(X.rows) +
                                     " rows of the matrix");
             search::Request r;
             r.nq = Q.rows;
             r.rows = X.rows;
             r.k = std::size_t(k);
             r.threads = threads;
             py::array mask_arr;
             if (!mask.is_none()) {
               if (!py::isinstance<py::array>(mask)) throw py::type_error("topk: mask must be a numpy bool array");
               mask_arr = py::reinterpret_borrow<py::array>(mask);
               if (!(mask_arr.dtype().is(py::dtype::of<bool>()) || mask_arr.dtype().is(py::dtype::of<std::uint8_t>())))
                 throw py::type_error("topk: mask must be bool or uint8, got " + std::string(py::str(mask_arr.dtype())));
               if (mask_arr.ndim() != 1 || std::size_t(mask_arr.shape(0)) != X.rows || !(mask_arr.flags() & py::array::c_style))
                 throw py::value_error("topk: mask must be a contiguous 1-D array of " + std::to_string(X.rows) +
                                       " entries, got shape " + shape_text(mask_arr));
               r.mask = static_cast<const std::uint8_t*>(mask_arr.data());
             }
             py::array_t<std::int64_t> idx({py::ssize_t(Q.rows), py::ssize_t(k)});
             py::array_t<float> score({py::ssize_t(Q.rows), py::ssize_t(k)});
             std::int64_t* ip = idx.mutable_data();
             float* sp = score.mutable_data();
             {
               py::gil_scoped_release nogil;
               if (p.is_binary())
                 search::topk_hamming(r, static_cast<const std::uint64_t*>(Q.data), static_cast<const std::uint64_t*>(X.data),
                                      p.width(), p.dim, ip, sp);
               else
                 search::topk_dot(r, static_cast<const float*>(Q.data), static_cast<const float*>(X.data), p.width(),
                                  normalize, ip, sp);
             }
             if (Q.single) return py::make_tuple(py::object(idx[py::int_(0)]), py::object(score[py::int_(0)]));
             return py::make_tuple(idx, score);
           },
           py::arg("queries"), py::arg("matrix"), py::arg("k") = 10, py::arg("mask") = py::none(),
           py::arg("normalize") = true, py::arg("threads") = 0);
}

DF_BINDING(5, simd) {
  using namespace deltaform;
  m.def("simd_path", [] { return std::string(kernels().name); }, "The SIMD path in use: scalar, avx2 or avx512.");
  m.def("set_simd_path", [](const std::string& name) { set_isa(parse_isa(name)); }, py::arg("name"),
        "Force a SIMD path for this process (tests; machines with odd CPUs).");
  m.def("supported_simd_paths", [] {
    std::vector<std::string> out;
    for (Isa i : supported_isas()) out.emplace_back(isa_name(i));
    return out;
  });
  m.attr("CODEBOOK_VERSION") = kCodebookVersion;
}
