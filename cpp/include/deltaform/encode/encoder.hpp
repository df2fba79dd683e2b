// Formulas to vectors by the rules of docs/encoding.md: each statement's
// nodes, already in post-order in the Document, are evaluated bottom-up into
// per-node vector slots (atoms point straight into the codebook; nothing is
// copied that need not be). References are encoded once and cached at the
// stored scale; parametric applications evaluate the template's body with its
// parameters bound to the argument vectors.
//
// One statement's work happens on one thread, in a fixed order, so a batch
// gives the same bits whatever the thread count and SIMD path.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "deltaform/encode/scope.hpp"
#include "deltaform/formula/tree.hpp"
#include "deltaform/space.hpp"

namespace deltaform::encode {

struct Failure {
  std::uint32_t statement = 0;  // index in the batch
  formula::Error error;
};

struct BatchResult {
  std::vector<Failure> failures;  // rows of failed statements are left zero
  std::size_t warnings = 0;
  std::vector<formula::Error> warning_list;
};

// Sum of squares used to scale stored vectors (fixed summation order).
double squared_norm(const float* v, std::size_t n);

class Encoder {
 public:
  Encoder(std::shared_ptr<Space> space, std::shared_ptr<const Scope> scope);

  // Encodes statements[i] of docs into out row i (p.bytes() each, zeroed on failure).
  // `items` lists (document, statement index) pairs in output order.
  BatchResult encode(const std::vector<Located>& items, void* out, int threads);

  const Space& space() const { return *space_; }

 private:
  friend class Evaluation;
  std::shared_ptr<Space> space_;
  std::shared_ptr<const Scope> scope_;
  // Stored-scale vectors of referenced definitions, by address (encoded on first use).
  std::shared_mutex cache_mutex_;
  std::unordered_map<std::string, std::vector<std::uint64_t>> cache_;
  // rho^i(STEP) for flow positions, grown on demand.
  std::shared_mutex steps_mutex_;
  std::vector<std::vector<std::uint64_t>> steps_;

  const void* step_vector(std::size_t i);
  friend struct EvalAccess;
};

}  // namespace deltaform::encode
