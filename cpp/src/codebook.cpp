#include "deltaform/codebook.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <mutex>

#include "deltaform/unicode.hpp"

namespace deltaform {

std::uint64_t mix64(std::uint64_t z) {
  z ^= z >> 30;
  z *= 0xBF58476D1CE4E5B9ULL;
  z ^= z >> 27;
  z *= 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return z;
}

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001B3ULL;
  }
  return h;
}

std::uint64_t atom_key(const SpaceParams& p, std::uint64_t name_hash) {
  std::uint64_t salt = mix64(p.seed ^ ((std::uint64_t(p.algebra) << 32) + p.dim));
  return mix64(name_hash ^ salt);
}

namespace {
constexpr std::uint64_t kGamma = 0x9E3779B97F4A7C15ULL;
constexpr double kTwoPi = 6.283185307179586476925286766559;

// Taylor series on |r| <= pi/4, evaluated by Horner in plain double arithmetic
// (the build forbids FMA contraction), so every machine gets the same bits.
void sincos_small(double r, double& c, double& s) {
  double r2 = r * r;
  s = r * (1.0 + r2 * (-1.0 / 6 + r2 * (1.0 / 120 + r2 * (-1.0 / 5040 + r2 * (1.0 / 362880 +
          r2 * (-1.0 / 39916800 + r2 * (1.0 / 6227020800.0 + r2 * (-1.0 / 1307674368000.0))))))));
  c = 1.0 + r2 * (-0.5 + r2 * (1.0 / 24 + r2 * (-1.0 / 720 + r2 * (1.0 / 40320 + r2 * (-1.0 / 3628800 +
          r2 * (1.0 / 479001600.0 + r2 * (-1.0 / 87178291200.0 + r2 * (1.0 / 20922789888000.0))))))));
}
}  // namespace

void unit_phasor(double u, double& c, double& s) {
  // Quadrant n = round(4u); the remainder u - n/4 is exact in double.
  double n = std::floor(u * 4.0 + 0.5);
  double r = (u - n * 0.25) * kTwoPi;
  double cr, sr;
  sincos_small(r, cr, sr);
  switch (static_cast<int>(n) & 3) {
    case 0: c = cr; s = sr; break;
    case 1: c = -sr; s = cr; break;
    case 2: c = -cr; s = -sr; break;
    default: c = sr; s = -cr; break;
  }
}

void generate_vector(const SpaceParams& p, std::uint64_t key, void* out) {
  const std::size_t dim = p.dim;
  switch (p.algebra) {
    case Algebra::fhrr: {
      float* re = static_cast<float*>(out);
      float* im = re + dim;
      for (std::size_t j = 0; j < dim; ++j) {
        std::uint64_t w = mix64(key + (j + 1) * kGamma);
        double u = double(w >> 11) * (1.0 / 9007199254740992.0);
        double c, s;
        unit_phasor(u, c, s);
        re[j] = float(c);
        im[j] = float(s);
      }
      break;
    }
    case Algebra::map: {
      float* x = static_cast<float*>(out);
      std::uint64_t w = 0;
      for (std::size_t j = 0; j < dim; ++j) {
        if (j % 64 == 0) w = mix64(key + (j / 64 + 1) * kGamma);
        x[j] = ((w >> (j % 64)) & 1u) ? -1.0f : 1.0f;
      }
      break;
    }
    case Algebra::bsc: {
      std::uint64_t* x = static_cast<std::uint64_t*>(out);
      for (std::size_t i = 0; i < dim / 64; ++i) x[i] = mix64(key + (i + 1) * kGamma);
      break;
    }
  }
}

void Codebook::FreeBlock::operator()(std::uint64_t* p) const { std::free(p); }

Codebook::Codebook(SpaceParams params) : params_(params) {
  params_.validate();
  stride_bytes_ = (params_.bytes() + 63) / 64 * 64;  // each vector starts on a cache line
}

std::uint32_t Codebook::intern_name(std::string_view name) {
  return intern(unicode::normalize_name(name));
}

std::uint32_t Codebook::intern(std::string_view normalized_name) {
  std::string key(normalized_name);
  {
    std::shared_lock lock(mutex_);
    auto it = ids_.find(key);
    if (it != ids_.end()) return it->second;
  }
  std::unique_lock lock(mutex_);
  auto it = ids_.find(key);
  if (it != ids_.end()) return it->second;
  return append_locked(std::move(key), nullptr);
}

std::uint32_t Codebook::append_locked(std::string key, const void* src) {
  std::size_t id = names_.size();
  if (id >= 0xFFFFFFFFu) throw Error("codebook is full");
  if (id % kBlock == 0) {
    const std::size_t size = kBlock * stride_bytes_;  // a multiple of 64, as aligned_alloc wants
    auto* block = static_cast<std::uint64_t*>(std::aligned_alloc(64, size));
    if (!block) throw std::bad_alloc();
    std::memset(block, 0, size);
    blocks_.emplace_back(block);
  }
  void* dst = reinterpret_cast<char*>(blocks_[id / kBlock].get()) + (id % kBlock) * stride_bytes_;
  if (src) std::memcpy(dst, src, params_.bytes());
  else generate_vector(params_, atom_key(params_, fnv1a64(key)), dst);
  names_.push_back(key);
  ids_.emplace(std::move(key), std::uint32_t(id));
  return std::uint32_t(id);
}

void Codebook::set_atoms(const std::vector<std::string>& names, const void* vectors) {
  const std::size_t bytes = params_.bytes();
  std::vector<std::string> keys;
  keys.reserve(names.size());
  for (const auto& n : names) keys.push_back(unicode::normalize_name(n));
  std::unique_lock lock(mutex_);
  // Check everything first so that a refused call changes nothing.
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto it = ids_.find(keys[i]);
    if (it == ids_.end()) continue;
    const char* have = reinterpret_cast<const char*>(blocks_[it->second / kBlock].get()) + (it->second % kBlock) * stride_bytes_;
    if (std::memcmp(have, static_cast<const char*>(vectors) + i * bytes, bytes) != 0)
      throw InvalidArgument("set_atoms: atom " + std::to_string(i) + " ('" + names[i] +
                            "') is already in use with another vector; ground a space before encoding with it");
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (ids_.count(keys[i])) continue;
    append_locked(std::move(keys[i]), static_cast<const char*>(vectors) + i * bytes);
  }
}

std::string Codebook::grounding() const {
  std::shared_lock lock(mutex_);
  return grounding_;
}

void Codebook::set_grounding(std::string fingerprint) {
  std::unique_lock lock(mutex_);
  grounding_ = std::move(fingerprint);
}

const void* Codebook::vector(std::uint32_t id) const {
  std::shared_lock lock(mutex_);
  if (id >= names_.size()) throw InvalidArgument("unknown atom id " + std::to_string(id));
  return reinterpret_cast<const char*>(blocks_[id / kBlock].get()) + (id % kBlock) * stride_bytes_;
}

Codebook::View Codebook::view() const {
  std::shared_lock lock(mutex_);
  View v;
  v.stride_ = stride_bytes_;
  v.size_ = names_.size();
  v.blocks_.reserve(blocks_.size());
  for (const auto& b : blocks_) v.blocks_.push_back(reinterpret_cast<const char*>(b.get()));
  return v;
}

std::size_t Codebook::size() const {
  std::shared_lock lock(mutex_);
  return names_.size();
}

std::string Codebook::name(std::uint32_t id) const {
  std::shared_lock lock(mutex_);
  if (id >= names_.size()) throw InvalidArgument("unknown atom id " + std::to_string(id));
  return names_[id];
}

}  // namespace deltaform
