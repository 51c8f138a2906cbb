// The SIMD layer: fixed-size kernels over raw arrays, the only code that touches xsimd. Each kernel
// is constexpr (a scalar loop in constant expressions, SIMD at run time) and never touches memory
// past the sizes it is given.
#pragma once

#include <typegrad/simd/axpy.hpp>
#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/dot.hpp>
#include <typegrad/simd/gemm.hpp>
#include <typegrad/simd/gemv.hpp>
#include <typegrad/simd/gemv_t.hpp>
#include <typegrad/simd/interleave.hpp>
#include <typegrad/simd/map.hpp>
#include <typegrad/simd/outer.hpp>
#include <typegrad/simd/panels.hpp>
#include <typegrad/simd/partial.hpp>
#include <typegrad/simd/reduce.hpp>
#include <typegrad/simd/transpose.hpp>
