// The fixed-size core: element types, vectors, matrices, 3-D tensors (and how they print) and the error hierarchy.
#pragma once

#include <typegrad/core/error.hpp>
#include <typegrad/core/mat.hpp>
#include <typegrad/core/print.hpp>
#include <typegrad/core/rows.hpp>
#include <typegrad/core/scalar.hpp>
#include <typegrad/core/tensor3.hpp>
#include <typegrad/core/panel_mat.hpp>
#include <typegrad/core/vec.hpp>
