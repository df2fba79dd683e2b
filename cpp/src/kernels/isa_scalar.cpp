// The scalar kernel path: kernel_body.hpp compiled with this unit's target flags.
#define DF_ISA scalar
#define DF_ISA_NAME "scalar"
#include "kernels/kernel_body.hpp"
#include "kernels/encode_body.hpp"
