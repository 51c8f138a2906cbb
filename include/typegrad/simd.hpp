// The SIMD layer: fixed-size kernels over raw arrays, the only code that touches xsimd.
#pragma once

#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/kernels.hpp>
