// The avx2 kernel path: kernel_body.hpp compiled with this unit's target flags.
#define DF_ISA avx2
#define DF_ISA_NAME "avx2"
#include "kernels/kernel_body.hpp"
#include "kernels/encode_body.hpp"
