// The avx512 kernel path: kernel_body.hpp compiled with this unit's target flags.
#define DF_ISA avx512
#define DF_ISA_NAME "avx512"
#include "kernels/kernel_body.hpp"
#include "kernels/encode_body.hpp"
