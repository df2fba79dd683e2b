// The core used from C++ alone: codebook, algebra, search, parser and encoder,
// with no Python in the process. Built with -DDELTAFORM_CPP_TESTS=ON and run by
// ctest; prints one line per check and "N passed, M failed" at the end.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "deltaform/encode/encoder.hpp"
#include "deltaform/formula/facts.hpp"
#include "deltaform/formula/parser.hpp"
#include "deltaform/formula/printer.hpp"
#include "deltaform/kernels.hpp"
#include "deltaform/ops.hpp"
#include "deltaform/search.hpp"
#include "deltaform/space.hpp"

namespace df = deltaform;

static int passed = 0, failed = 0;

static void check(bool ok, const char* what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what);
  (ok ? passed : failed)++;
}

static double similarity(const df::SpaceParams& p, const void* a, const void* b) {
  float s = 0;
  df::ops::similarity(p, a, 1, b, 1, &s, 1, 1);
  return s;
}

int main() {
  const df::SpaceParams p{df::Algebra::fhrr, 1024, 0};
  auto space = std::make_shared<df::Space>(p);
  df::Codebook& cb = space->codebook();

  // Codebook: identity by NFC + casefold, pinned values (see tests/test_codebook.py).
  const float* water = cb.floats(cb.intern_name("вода"));
  check(cb.intern_name("ВОДА") == cb.intern_name("вода"), "atom identity folds case");
  check(std::fabs(water[0] - 0.9921993613243103f) < 1e-7f && std::fabs(water[1] - 0.4908702075481415f) < 1e-7f,
        "golden value of 'вода' (fhrr, dim 1024, seed 0)");

  // Algebra: unbind undoes bind; random atoms are nearly orthogonal.
  const float* pain = cb.floats(cb.intern_name("боль"));
  std::vector<float> bound(p.width()), back(p.width());
  df::ops::bind(p, water, 1, pain, 1, bound.data(), 1, false, 1);
  df::ops::bind(p, bound.data(), 1, pain, 1, back.data(), 1, true, 1);
  check(similarity(p, back.data(), water) > 0.9999, "unbind(bind(a, b), b) == a");
  check(std::fabs(similarity(p, water, pain)) < 0.1, "random atoms are nearly orthogonal");

  // Search: an atom finds itself among 1000 random vectors, on every SIMD path.
  const std::size_t rows = 1000;
  std::vector<float> X(rows * p.width());
  df::ops::random_vectors(p, 7, rows, X.data(), 2);
  std::memcpy(X.data() + 123 * p.width(), water, p.width() * sizeof(float));
  for (df::Isa isa : df::supported_isas()) {
    df::set_isa(isa);
    df::search::Request r;
    r.nq = 1;
    r.rows = rows;
    r.k = 3;
    std::int64_t idx[3];
    float score[3];
    df::search::topk_dot(r, water, X.data(), p.width(), true, idx, score);
    std::string what = std::string("top-1 finds the row itself on the ") + df::isa_name(isa) + " path";
    check(idx[0] == 123 && std::fabs(score[0] - 1.0f) < 1e-5f, what.c_str());
  }

  // Parser + encoder: references in any order, errors reported per line.
  auto doc = std::make_shared<df::formula::Document>();
  df::formula::Parser parser;
  parser.parse_text("Δ2 = Δ1 + солнце\nΔ1 = вода + боль → плавная память\nΔ3 = вода + + боль\n", *doc);
  check(doc->statements.size() == 2 && doc->errors.size() == 1 && doc->errors[0].line == 3,
        "two statements parse, the broken third line is reported");
  auto scope = std::make_shared<df::encode::Scope>();
  scope->add_document(doc);
  df::encode::Encoder encoder(space, scope);
  std::vector<df::encode::Located> items{{doc, 0}, {doc, 1}};
  std::vector<float> out(2 * p.width());
  df::encode::BatchResult result = encoder.encode(items, out.data(), 2);
  check(result.failures.empty(), "Δ2 refers to Δ1 defined after it");
  double n2 = 0;
  for (std::size_t i = 0; i < p.width(); ++i) n2 += double(out[i]) * out[i];
  check(std::fabs(n2 - p.dim) < 1e-2 * p.dim, "stored vectors have the norm of an atom");
  check(similarity(p, out.data(), out.data() + p.width()) > 0.5, "Δ2 resonates with the Δ1 it contains");

  // The canonical printer and the facts, without Python.
  check(df::formula::format_weight(0.5) == "0.5" && df::formula::format_weight(2.0) == "2" &&
            df::formula::format_weight(1e-5) == "1e-05" && df::formula::format_weight(1e16) == "1e+16" &&
            df::formula::format_weight(1234.5) == "1234.5",
        "weights print like Python's repr without a trailing .0");
  const std::string canonical = "ΔF(x) = (Вода + x) * 0.5*~весна → образ: \"a \\\"b\\\"\" = scene";
  auto printed = std::make_shared<df::formula::Document>();
  parser.parse_text(canonical, *printed);
  std::string text;
  if (printed->statements.size() == 1) df::formula::print_statement(*printed, printed->statements[0], text);
  check(text == canonical, "printing parsed canonical text gives it back");
  if (printed->statements.size() == 1) {
    df::formula::Facts f = df::formula::scan(*printed, printed->statements[0]);
    check(f.atoms == std::vector<std::string>{"вода", "весна", "a \"b\""} && f.roles == std::vector<std::string>{"образ"},
          "facts: atoms normalised, the parameter left out, roles");
  }

  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
