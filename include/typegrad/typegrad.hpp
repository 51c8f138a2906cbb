// typegrad: a neural network is a C++ type. This umbrella header brings in the whole library.
#pragma once

#include <typegrad/core.hpp>
#include <typegrad/simd.hpp>
#include <typegrad/train/dataset.hpp>
#include <typegrad/io/idx.hpp>
#include <typegrad/io/csv.hpp>
#include <typegrad/io/safetensors.hpp>
#include <typegrad/expr.hpp>
#include <typegrad/optim/gradient_descent.hpp>
