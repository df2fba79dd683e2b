// deltaform._core decode_*: the decoder's batch kernels (deltaform/decode.hpp),
// called by python/deltaform/decoding. Inputs must already have the right dtype
// and be C-contiguous (nothing is converted); every index is checked against
// what it indexes before the GIL is released.
#include <pybind11/numpy.h>

#include <string>
#include <vector>

#include "arrays.hpp"
#include "binding_registry.hpp"
#include "deltaform/decode.hpp"

namespace deltaform::bindings {
namespace {

template <class T>
const char* dtype_name() {
  if constexpr (std::is_same_v<T, float>) return "float32";
  if constexpr (std::is_same_v<T, double>) return "float64";
  if constexpr (std::is_same_v<T, std::int64_t>) return "int64";
  return "uint8";
}

// The array as T, C-contiguous, with `ndim` axes; -1 in `shape` accepts any length.
template <class T>
py::array_t<T> checked(const py::handle& obj, const char* fn, const char* what, std::vector<py::ssize_t> shape) {
  const std::string where = std::string(fn) + ": " + what;
  if (!py::isinstance<py::array>(obj)) throw py::type_error(where + " must be a numpy array of " + dtype_name<T>());
  py::array a = py::reinterpret_borrow<py::array>(obj);
  bool dtype_ok = a.dtype().is(py::dtype::of<T>());
  if constexpr (std::is_same_v<T, std::uint8_t>) dtype_ok = dtype_ok || a.dtype().is(py::dtype::of<bool>());
  if (!dtype_ok)
    throw py::type_error(where + " must have dtype " + dtype_name<T>() + ", got " + std::string(py::str(a.dtype())));
  if (!(a.flags() & py::array::c_style)) throw py::value_error(where + " must be C-contiguous");
  bool ok = a.ndim() == py::ssize_t(shape.size());
  for (std::size_t i = 0; ok && i < shape.size(); ++i) ok = shape[i] < 0 || a.shape(py::ssize_t(i)) == shape[i];
  if (!ok) {
    std::string want = "(";
    for (std::size_t i = 0; i < shape.size(); ++i)
      want += (i ? ", " : "") + (shape[i] < 0 ? std::string("n") : std::to_string(shape[i]));
    throw py::value_error(where + " must have shape " + want + (shape.size() == 1 ? ",)" : ")") + ", got " +
                          shape_text(a));
  }
  return py::reinterpret_borrow<py::array_t<T>>(a);
}

void require_below(const std::int64_t* x, std::size_t n, std::int64_t limit, const char* fn, const char* what) {
  for (std::size_t i = 0; i < n; ++i)
    if (x[i] >= limit)
      throw py::value_error(std::string(fn) + ": " + what + " holds " + std::to_string(x[i]) + " at flat index " +
                            std::to_string(i) + ", past the " + std::to_string(limit) + " it indexes");
}

decode::RealBind real_bind(const std::string& algebra) {
  if (algebra == "fhrr") return decode::RealBind::complex;
  if (algebra == "map" || algebra == "bsc") return decode::RealBind::product;
  throw py::value_error("unknown algebra '" + algebra + "': expected 'fhrr', 'map' or 'bsc'");
}

// The candidates, keys and tags that term codes index, checked together.
struct DictionaryArrays {
  py::array_t<float> F, K, T;
  decode::Dictionary dict{};

  DictionaryArrays(const std::string& algebra, py::object candidates, py::object keys, py::object tags, const char* fn) {
    F = checked<float>(candidates, fn, "candidates", {-1, -1});
    const py::ssize_t width = F.shape(1);
    K = checked<float>(keys, fn, "keys", {-1, width});
    T = checked<float>(tags, fn, "tags", {-1, width});
    const auto bind = real_bind(algebra);
    if (bind == decode::RealBind::complex && width % 2)
      throw py::value_error(std::string(fn) + ": an fhrr real view has an even width, got " + std::to_string(width));
    dict = decode::Dictionary{bind, F.data(), std::size_t(F.shape(0)), K.data(), std::size_t(K.shape(0)),
                              T.data(), std::size_t(T.shape(0)), std::size_t(width)};
  }

  // Every code below keys * N + T; a term code (below keys * N) only where there are candidates.
  void check_codes(const std::int64_t* codes, std::size_t n, const char* fn) const {
    require_below(codes, n, std::int64_t(dict.nk * dict.N + dict.T), fn, "codes");
  }
};

}  // namespace
}  // namespace deltaform::bindings

DF_BINDING(60, decode) {
  using namespace deltaform;
  using namespace deltaform::bindings;

  m.def(
      "decode_select_abs",
      [](py::object scores, py::object qscale, py::object xscale, std::int64_t m, py::object ex_off, py::object ex_rows,
         int threads) {
        const char* fn = "decode_select_abs";
        auto S = checked<float>(scores, fn, "scores", {-1, -1});
        const py::ssize_t nq = S.shape(0), n = S.shape(1);
        auto qs = checked<float>(qscale, fn, "qscale", {nq});
        auto xs = checked<float>(xscale, fn, "xscale", {n});
        if (m < 0) throw py::value_error(std::string(fn) + ": m must be >= 0, got " + std::to_string(m));
        py::array_t<std::int64_t> off, rows;
        const std::int64_t *op = nullptr, *rp = nullptr;
        if (!ex_off.is_none()) {
          off = checked<std::int64_t>(ex_off, fn, "ex_off", {nq + 1});
          rows = checked<std::int64_t>(ex_rows, fn, "ex_rows", {-1});
          op = off.data();
          rp = rows.data();
          if (op[0] != 0 || op[nq] != rows.shape(0))
            throw py::value_error(std::string(fn) + ": ex_off must start at 0 and end at len(ex_rows)");
          for (py::ssize_t i = 0; i < nq; ++i)
            if (op[i + 1] < op[i]) throw py::value_error(std::string(fn) + ": ex_off must not decrease");
        }
        py::array_t<std::int64_t> idx({nq, py::ssize_t(m)});
        py::array_t<float> sims({nq, py::ssize_t(m)});
        std::int64_t* ip = idx.mutable_data();
        float* sp = sims.mutable_data();
        {
          py::gil_scoped_release nogil;
          decode::select_abs(S.data(), std::size_t(nq), std::size_t(n), qs.data(), xs.data(), std::size_t(m), op, rp,
                             threads, ip, sp);
        }
        return py::make_tuple(idx, sims);
      },
      py::arg("scores"), py::arg("qscale"), py::arg("xscale"), py::arg("m"), py::arg("ex_off") = py::none(),
      py::arg("ex_rows") = py::none(), py::arg("threads") = 1,
      "Top-m of each row of scores (q, n) by |score * qscale[q] * xscale[j]|: (rows (q, m) int64, signed scores "
      "(q, m) float32), best first, ties to the lower index; row q skips ex_rows[ex_off[q]:ex_off[q+1]]; missing "
      "and zero entries are -1 with score 0.");

  m.def(
      "decode_score_pool",
      [](const std::string& algebra, py::object residuals, py::object pool, py::object candidates, py::object xscale,
         py::object keys, py::object active, int threads) {
        const char* fn = "decode_score_pool";
        auto R = checked<float>(residuals, fn, "residuals", {-1, -1});
        const py::ssize_t rows = R.shape(0), width = R.shape(1);
        auto P = checked<std::int64_t>(pool, fn, "pool", {rows, -1});
        auto F = checked<float>(candidates, fn, "candidates", {-1, width});
        auto xs = checked<float>(xscale, fn, "xscale", {F.shape(0)});
        auto K = checked<float>(keys, fn, "keys", {-1, width});
        auto A = checked<std::uint8_t>(active, fn, "active", {rows, K.shape(0)});
        const auto bind = real_bind(algebra);
        if (bind == decode::RealBind::complex && width % 2)
          throw py::value_error(std::string(fn) + ": an fhrr real view has an even width, got " + std::to_string(width));
        const py::ssize_t C = P.shape(1), nk = K.shape(0);
        require_below(P.data(), std::size_t(rows * C), F.shape(0), fn, "pool");
        py::array_t<float> out({rows, nk, C});
        float* op = out.mutable_data();
        {
          py::gil_scoped_release nogil;
          decode::score_pool(bind, R.data(), std::size_t(rows), std::size_t(width), P.data(), std::size_t(C), F.data(),
                             xs.data(), K.data(), std::size_t(nk), A.data(), threads, op);
        }
        return out;
      },
      py::arg("algebra"), py::arg("residuals"), py::arg("pool"), py::arg("candidates"), py::arg("xscale"),
      py::arg("keys"), py::arg("active"), py::arg("threads") = 1,
      "Cosine of each pooled candidate with each residual unbound by each active key: (rows, keys, C) float32, "
      "zero where the key is inactive or the pool slot is -1.");

  m.def(
      "decode_gather_bind",
      [](const std::string& algebra, py::object codes, py::object candidates, py::object keys, py::object tags,
         int threads) {
        const char* fn = "decode_gather_bind";
        auto F = checked<float>(candidates, fn, "candidates", {-1, -1});
        const py::ssize_t width = F.shape(1);
        auto K = checked<float>(keys, fn, "keys", {-1, width});
        auto T = checked<float>(tags, fn, "tags", {-1, width});
        if (!py::isinstance<py::array>(codes)) throw py::type_error(std::string(fn) + ": codes must be a numpy array of int64");
        py::array ca = py::reinterpret_borrow<py::array>(codes);
        std::vector<py::ssize_t> cshape(ca.shape(), ca.shape() + ca.ndim());
        std::vector<py::ssize_t> any(cshape.size(), -1);
        auto Cd = checked<std::int64_t>(codes, fn, "codes", any);
        const auto bind = real_bind(algebra);
        if (bind == decode::RealBind::complex && width % 2)
          throw py::value_error(std::string(fn) + ": an fhrr real view has an even width, got " + std::to_string(width));
        const std::size_t n = std::size_t(Cd.size()), N = std::size_t(F.shape(0)), nk = std::size_t(K.shape(0));
        const std::int64_t limit = std::int64_t(nk * N) + T.shape(0);
        require_below(Cd.data(), n, limit, fn, "codes");
        if (N == 0)
          for (std::size_t i = 0; i < n; ++i)
            if (Cd.data()[i] >= 0 && Cd.data()[i] < std::int64_t(nk * N))
              throw py::value_error(std::string(fn) + ": a term code with no candidates");
        cshape.push_back(width);
        py::array_t<float> out(cshape);
        float* op = out.mutable_data();
        {
          py::gil_scoped_release nogil;
          decode::gather_bind(bind, Cd.data(), n, F.data(), N, K.data(), nk, T.data(), std::size_t(T.shape(0)),
                              std::size_t(width), threads, op);
        }
        return out;
      },
      py::arg("algebra"), py::arg("codes"), py::arg("candidates"), py::arg("keys"), py::arg("tags"),
      py::arg("threads") = 1,
      "Term vectors of codes (any shape): code c < keys*N is candidates[c % N] bound to keys[c // N], then tags; "
      "-1 is zeros. Returns codes.shape + (width,) float32.");

  m.def(
      "decode_gram",
      [](const std::string& algebra, py::object codes, py::object candidates, py::object keys, py::object tags,
         py::object vectors, int threads) {
        const char* fn = "decode_gram";
        DictionaryArrays d(algebra, candidates, keys, tags, fn);
        auto Cd = checked<std::int64_t>(codes, fn, "codes", {-1, -1});
        const py::ssize_t rows = Cd.shape(0), M = Cd.shape(1);
        auto V = checked<float>(vectors, fn, "vectors", {rows, py::ssize_t(d.dict.width)});
        d.check_codes(Cd.data(), std::size_t(rows * M), fn);
        py::array_t<double> G({rows, M, M});
        py::array_t<double> c({rows, M});
        double *gp = G.mutable_data(), *cp = c.mutable_data();
        {
          py::gil_scoped_release nogil;
          decode::gram(d.dict, Cd.data(), std::size_t(rows), std::size_t(M), V.data(), threads, gp, cp);
        }
        return py::make_tuple(G, c);
      },
      py::arg("algebra"), py::arg("codes"), py::arg("candidates"), py::arg("keys"), py::arg("tags"),
      py::arg("vectors"), py::arg("threads") = 1,
      "Per row b, with d_i the term vector of codes[b, i] (decode_gather_bind's rule): (G, c) with "
      "G[b] = (d_i . d_j) (rows, M, M) and c[b] = (d_i . vectors[b]) (rows, M), float64.");

  m.def(
      "decode_residual",
      [](const std::string& algebra, py::object codes, py::object weights, py::object candidates, py::object keys,
         py::object tags, py::object vectors, int threads) {
        const char* fn = "decode_residual";
        DictionaryArrays d(algebra, candidates, keys, tags, fn);
        auto Cd = checked<std::int64_t>(codes, fn, "codes", {-1, -1});
        const py::ssize_t rows = Cd.shape(0), M = Cd.shape(1);
        auto W = checked<double>(weights, fn, "weights", {rows, M});
        auto V = checked<float>(vectors, fn, "vectors", {rows, py::ssize_t(d.dict.width)});
        d.check_codes(Cd.data(), std::size_t(rows * M), fn);
        py::array_t<float> out({rows, py::ssize_t(d.dict.width)});
        float* op = out.mutable_data();
        {
          py::gil_scoped_release nogil;
          decode::residual(d.dict, Cd.data(), W.data(), std::size_t(rows), std::size_t(M), V.data(), threads, op);
        }
        return out;
      },
      py::arg("algebra"), py::arg("codes"), py::arg("weights"), py::arg("candidates"), py::arg("keys"),
      py::arg("tags"), py::arg("vectors"), py::arg("threads") = 1,
      "vectors[b] - sum_i weights[b, i] * d_i (d_i the term vector of codes[b, i]; zero weights skipped): "
      "(rows, width) float32.");
}
