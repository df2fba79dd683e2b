// Chooses the kernel table once, at load: the best level this CPU supports,
// unless DELTAFORM_SIMD names another (for tests and for odd machines).
#include <atomic>
#include <cstdlib>
#include <string>

#include "deltaform/errors.hpp"
#include "deltaform/kernels.hpp"

namespace deltaform {
namespace {

bool cpu_has(Isa isa) {
#if defined(DF_HAVE_X86_KERNELS)
  __builtin_cpu_init();
  switch (isa) {
    case Isa::scalar: return true;
    case Isa::avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                           __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi2");
    case Isa::avx512:
      return cpu_has(Isa::avx2) && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx512vpopcntdq");
  }
  return false;
#else
  return isa == Isa::scalar;
#endif
}

const KernelTable& table_for(Isa isa) {
#if defined(DF_HAVE_X86_KERNELS)
  if (isa == Isa::avx512) return isa_tables::avx512();
  if (isa == Isa::avx2) return isa_tables::avx2();
#endif
  (void)isa;
  return isa_tables::scalar();
}

const KernelTable* initial_table() {
  Isa isa = best_isa();
  if (const char* env = std::getenv("DELTAFORM_SIMD"); env && *env) {
    std::string name(env);
    if (name != "auto") {
      // An unknown or unsupported name must not crash the import: fall back to
      // the best path; deltaform.simd_path() shows what is active.
      try {
        Isa wanted = parse_isa(name);
        if (isa_supported(wanted)) isa = wanted;
      } catch (const InvalidArgument&) {
      }
    }
  }
  return &table_for(isa);
}

std::atomic<const KernelTable*>& active() {
  static std::atomic<const KernelTable*> table{initial_table()};
  return table;
}

}  // namespace

const KernelTable& kernels() { return *active().load(std::memory_order_acquire); }

bool isa_supported(Isa isa) { return cpu_has(isa); }

Isa best_isa() {
  if (cpu_has(Isa::avx512)) return Isa::avx512;
  if (cpu_has(Isa::avx2)) return Isa::avx2;
  return Isa::scalar;
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (Isa i : {Isa::scalar, Isa::avx2, Isa::avx512})
    if (cpu_has(i)) out.push_back(i);
  return out;
}

void set_isa(Isa isa) {
  if (!isa_supported(isa))
    throw InvalidArgument(std::string("SIMD path '") + isa_name(isa) + "' is not supported on this CPU or build");
  active().store(&table_for(isa), std::memory_order_release);
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
  }
  return "?";
}

Isa parse_isa(const std::string& name) {
  if (name == "scalar") return Isa::scalar;
  if (name == "avx2") return Isa::avx2;
  if (name == "avx512") return Isa::avx512;
  throw InvalidArgument("unknown SIMD path '" + name + "': expected 'scalar', 'avx2' or 'avx512'");
}

}  // namespace deltaform
