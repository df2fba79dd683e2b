// deltaform._core: the encoder. Text goes in, vectors come out; parsing,
// resolution and the vector work all happen here, without the GIL and without
// calling back into Python per formula.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "arrays.hpp"
#include "binding_registry.hpp"
#include "deltaform/encode/encoder.hpp"
#include "deltaform/encode/records.hpp"
#include "deltaform/formula/parser.hpp"
#include "deltaform/parallel.hpp"
#include "formula_convert.hpp"
#include "item_texts.hpp"

namespace deltaform::bindings {
namespace {

namespace fm = deltaform::formula;
using encode::Located;
using encode::Scope;

struct ParsedBatch {
  std::vector<std::shared_ptr<fm::Document>> docs;
  std::vector<Located> items;             // one per encoded row
  std::vector<std::uint32_t> item_lines;  // 1-based line number of each row
  std::vector<fm::Error> errors;          // parse errors, in line order
};

// Parses each line as one statement (one_per_line: empty lines are errors and
// every line gets a row) or as a file (blank and comment lines skipped).
ParsedBatch parse_lines(const std::vector<std::string_view>& lines, const std::string& filename, bool one_per_line,
                        int threads) {
  const std::size_t n = lines.size();
  // Chunks of lines, one Document each, taken by the workers from a shared
  // counter (a worker that gets less CPU time parses fewer of them).
  const std::size_t chunk = std::clamp<std::size_t>(n / (8 * std::size_t(resolve_threads(threads))), 256, 8192);
  const std::size_t t = std::max<std::size_t>(1, (n + chunk - 1) / chunk);
  ParsedBatch batch;
  batch.docs.resize(t);
  std::vector<std::vector<std::int64_t>> line_statement(t);  // statement index per line, -1 error, -2 blank
  parallel_chunks(t, threads, 1, [&](std::size_t, std::size_t lo, std::size_t hi) {
    for (std::size_t c = lo; c < hi; ++c) {
      auto doc = std::make_shared<fm::Document>();
      doc->filename = filename;
      fm::Parser parser;
      std::size_t b = c * chunk, e = std::min(n, b + chunk);
      auto& ls = line_statement[c];
      // Room for the chunk up front (a guess from its size): growing the
      // arenas line by line would copy them again and again.
      std::size_t bytes = 0;
      for (std::size_t i = b; i < e; ++i) bytes += lines[i].size();
      doc->pool.reserve(bytes * 2 + 64);
      doc->nodes.reserve(bytes / 8 + 16);
      doc->children.reserve(bytes / 8 + 16);
      doc->statements.reserve(e - b);
      ls.reserve(e - b);
      for (std::size_t i = b; i < e; ++i) {
        if (one_per_line) {
          ls.push_back(parse_item(parser, lines[i], std::uint32_t(i + 1), *doc));
          continue;
        }
        std::size_t before = doc->statements.size(), errs = doc->errors.size();
        bool ok = parser.parse_line(lines[i], std::uint32_t(i + 1), *doc);
        if (!ok || doc->errors.size() > errs) ls.push_back(-1);
        else ls.push_back(doc->statements.size() == before ? -2 : std::int64_t(before));
      }
      batch.docs[c] = std::move(doc);
    }
  });
  for (std::size_t c = 0; c < t; ++c) {
    std::size_t err_i = 0;
    for (std::size_t j = 0; j < line_statement[c].size(); ++j) {
      std::int64_t s = line_statement[c][j];
      std::uint32_t line_no = std::uint32_t(c * chunk + j + 1);
      if (s >= 0) {
        batch.items.push_back({batch.docs[c], std::uint32_t(s)});
        batch.item_lines.push_back(line_no);
      } else if (s == -1) {
        batch.errors.push_back(batch.docs[c]->errors[err_i++]);
        if (one_per_line) {
          batch.items.push_back({nullptr, 0});
          batch.item_lines.push_back(line_no);
        }
      }
    }
  }
  return batch;
}

// The line number of each row, as a numpy array.
py::array_t<std::uint32_t> line_numbers(const std::vector<std::uint32_t>& lines) {
  py::array_t<std::uint32_t> out(py::ssize_t(lines.size()));
  if (!lines.empty()) std::memcpy(out.mutable_data(), lines.data(), lines.size() * sizeof(std::uint32_t));
  return out;
}

// (vectors, line numbers, errors, warnings)
py::tuple encode_lines(const std::shared_ptr<Space>& space, const py::list& items,
                       const std::shared_ptr<Scope>& scope, const std::string& filename, bool one_per_line,
                       int threads, const py::object& out_obj) {
  const SpaceParams& p = space->params();
  // A tuple holds the items alive: the caller's list may change while the GIL is released.
  py::tuple keep = py::reinterpret_steal<py::tuple>(PySequence_Tuple(items.ptr()));
  if (!keep) throw py::error_already_set();
  std::deque<std::string> own;
  std::vector<std::string_view> lines = item_texts(keep, own, false, "formula", " (use encode_file for files)");
  ParsedBatch batch;
  encode::BatchResult result;
  py::array out;
  {
    py::gil_scoped_release nogil;
    batch = parse_lines(lines, filename, one_per_line, threads);
  }
  out = output_vectors(p, batch.items.size(), out_obj, "encode_many");
  void* dst = mutable_data(out);
  {
    py::gil_scoped_release nogil;
    auto local = std::make_shared<Scope>(scope);
    for (const auto& d : batch.docs) local->add_document(d);
    // Rows of lines that failed to parse stay zero; the others are encoded.
    std::vector<Located> good;
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < batch.items.size(); ++i)
      if (batch.items[i].doc) {
        good.push_back(batch.items[i]);
        rows.push_back(i);
      } else {
        std::memset(static_cast<char*>(dst) + i * p.bytes(), 0, p.bytes());
      }
    encode::Encoder encoder(space, local);
    if (rows.size() == batch.items.size()) {
      result = encoder.encode(good, dst, threads);
    } else {
      std::vector<char> tmp(good.size() * p.bytes());
      result = encoder.encode(good, tmp.data(), threads);
      for (std::size_t j = 0; j < rows.size(); ++j)
        std::memcpy(static_cast<char*>(dst) + rows[j] * p.bytes(), tmp.data() + j * p.bytes(), p.bytes());
      for (auto& f : result.failures) f.statement = std::uint32_t(rows[f.statement]);
    }
  }
  std::vector<fm::Error> errors = batch.errors;
  for (const auto& f : result.failures) errors.push_back(f.error);
  std::stable_sort(errors.begin(), errors.end(), [](const fm::Error& a, const fm::Error& b) { return a.line < b.line; });
  return py::make_tuple(out, line_numbers(batch.item_lines), to_python_errors(errors),
                        to_python_errors(result.warning_list));
}

// Statements [start, stop) of a parsed document: (vectors, line numbers,
// failed row indices, errors, warnings). The scope must already hold the
// document (so its definitions resolve in any order).
py::tuple encode_document(const std::shared_ptr<Space>& space, const std::shared_ptr<fm::Document>& doc,
                          const std::shared_ptr<Scope>& scope, std::size_t start, std::size_t stop, int threads) {
  const SpaceParams& p = space->params();
  stop = std::min(stop, doc->statements.size());
  start = std::min(start, stop);
  std::vector<Located> items;
  std::vector<std::uint32_t> lines;
  for (std::size_t i = start; i < stop; ++i) {
    items.push_back({doc, std::uint32_t(i)});
    lines.push_back(doc->statements[i].line);
  }
  py::array out = new_vectors(p, items.size(), false);
  void* dst = mutable_data(out);
  encode::BatchResult result;
  {
    py::gil_scoped_release nogil;
    encode::Encoder encoder(space, scope);
    result = encoder.encode(items, dst, threads);
  }
  py::list failed, errs;
  for (const auto& f : result.failures) {
    failed.append(f.statement);
    errs.append(to_python_error(f.error));
  }
  return py::make_tuple(out, line_numbers(lines), failed, errs, to_python_errors(result.warning_list));
}

}  // namespace
}  // namespace deltaform::bindings

DF_BINDING(60, encode) {
  using namespace deltaform;
  using namespace deltaform::bindings;
  py::class_<encode::Scope, std::shared_ptr<encode::Scope>>(
      m, "EncodeScope", "Names the encoder resolves: definitions, schemas and stored vectors.")
      .def(py::init([](std::shared_ptr<encode::Scope> parent) { return std::make_shared<encode::Scope>(parent); }),
           py::arg("parent") = nullptr)
      .def("add_document", [](encode::Scope& s, std::shared_ptr<formula::Document> doc) { s.add_document(doc); })
      .def("add_vectors",
           [](encode::Scope& s, const std::shared_ptr<Space>& space, const std::vector<std::string>& addresses,
              py::object vectors) {
             const SpaceParams& p = space->params();
             auto V = vector_batch(p, vectors, "vectors", false, true);
             if (V.rows != addresses.size())
               throw py::value_error("add_vectors: " + std::to_string(addresses.size()) + " addresses but " +
                                     std::to_string(V.rows) + " vectors");
             for (std::size_t i = 0; i < addresses.size(); ++i)
               s.add_vector(addresses[i], static_cast<const char*>(V.data) + i * p.bytes(), p.bytes());
           })
      .def("remove", &encode::Scope::remove)
      .def("__len__", &encode::Scope::size);

  m.def("encode_document", &encode_document, py::arg("space"), py::arg("document"), py::arg("scope"),
        py::arg("start"), py::arg("stop"), py::arg("threads"));
  m.def("document_size", [](const std::shared_ptr<formula::Document>& d) { return d->statements.size(); });
  m.def("encode_lines", &encode_lines, py::arg("space"), py::arg("items"), py::arg("scope"), py::arg("filename"),
        py::arg("one_per_line"), py::arg("threads"), py::arg("out") = py::none());

  m.def(
      "encode_records",
      [](const std::shared_ptr<Space>& space, py::array_t<std::uint32_t, py::array::c_style> roles,
         py::array_t<std::uint32_t, py::array::c_style> fillers, py::object weights, int threads,
         const py::object& out_obj) {
        if (roles.ndim() != 2 || fillers.ndim() != 2 || roles.shape(0) != fillers.shape(0) ||
            roles.shape(1) != fillers.shape(1))
          throw py::value_error("encode_records: roles and fillers must both have shape (n, p); got " +
                                shape_text(roles) + " and " + shape_text(fillers));
        const std::size_t n = std::size_t(roles.shape(0)), k = std::size_t(roles.shape(1));
        py::array_t<float, py::array::c_style> w;
        if (!weights.is_none()) {
          w = py::array_t<float, py::array::c_style>::ensure(weights);
          if (!w || w.ndim() != 2 || std::size_t(w.shape(0)) != n || std::size_t(w.shape(1)) != k)
            throw py::value_error("encode_records: weights must have shape (" + std::to_string(n) + ", " +
                                  std::to_string(k) + ")");
          require_finite(w.data(), n * k, "encode_records weights");
        }
        py::array out = w ? output_vectors(space->params(), n, out_obj, "encode_records", {roles, fillers, w})
                          : output_vectors(space->params(), n, out_obj, "encode_records", {roles, fillers});
        void* dst = mutable_data(out);
        const float* wp = weights.is_none() ? nullptr : w.data();
        py::gil_scoped_release nogil;
        encode::encode_records(*space, roles.data(), fillers.data(), wp, n, k, dst, threads);
        return out;
      },
      py::arg("space"), py::arg("roles"), py::arg("fillers"), py::arg("weights") = py::none(), py::arg("threads") = 0,
      py::arg("out") = py::none());
}
