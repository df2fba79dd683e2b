// The structured path: couplings that come from tables. Row i is the sum over
// j of w[i][j] * E(role[i][j]) ⊛ E(filler[i][j]) (codebook ids), scaled like
// a stored formula; for bsc, the weighted majority of the bound pairs.
#pragma once
#include <cstddef>
#include <cstdint>

#include "deltaform/space.hpp"

namespace deltaform::encode {

void encode_records(Space& space, const std::uint32_t* roles, const std::uint32_t* fillers, const float* weights,
                    std::size_t n, std::size_t k, void* out, int threads);

}  // namespace deltaform::encode
