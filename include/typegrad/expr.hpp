// Scalar expressions with compile-time derivatives: placeholders x_, y_, var<I>, literals and
// constants, arithmetic and functions, d(e, v) and gradient(e, v...). Evaluates on float, double
// and xsimd batches, and in constant expressions where the operations allow.
#pragma once

#include <typegrad/expr/arithmetic.hpp>
#include <typegrad/expr/derivative.hpp>
#include <typegrad/expr/functions.hpp>
#include <typegrad/expr/node.hpp>
#include <typegrad/expr/terminals.hpp>
