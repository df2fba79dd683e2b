#include "deltaform/encode/vector_kernels.hpp"

#include "deltaform/kernels.hpp"

namespace deltaform {
namespace isa_impl {
namespace scalar::encode_kernels {
const encode::VectorKernels& table();
}
#if defined(DF_HAVE_X86_KERNELS)
namespace avx2::encode_kernels {
const encode::VectorKernels& table();
}
namespace avx512::encode_kernels {
const encode::VectorKernels& table();
}
#endif
}  // namespace isa_impl

namespace encode {

const VectorKernels& vector_kernels() {
  switch (kernels().isa) {
#if defined(DF_HAVE_X86_KERNELS)
    case Isa::avx512: return isa_impl::avx512::encode_kernels::table();
    case Isa::avx2: return isa_impl::avx2::encode_kernels::table();
#endif
    default: return isa_impl::scalar::encode_kernels::table();
  }
}

}  // namespace encode
}  // namespace deltaform
