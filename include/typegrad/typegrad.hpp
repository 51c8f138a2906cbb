// typegrad: a neural network is a C++ type. This umbrella header brings in the whole library.
#pragma once

#include <typegrad/core.hpp>
#include <typegrad/simd.hpp>
#include <typegrad/train/dataset.hpp>
#include <typegrad/io/idx.hpp>
#include <typegrad/io/csv.hpp>
#include <typegrad/io/safetensors.hpp>
#include <typegrad/io/weights.hpp>
#include <typegrad/layers/layer.hpp>
#include <typegrad/layers/dense.hpp>
#include <typegrad/layers/activations.hpp>
#include <typegrad/layers/softmax.hpp>
#include <typegrad/layers/activation.hpp>
#include <typegrad/net/sequential.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/net/init.hpp>
#include <typegrad/net/forward.hpp>
#include <typegrad/net/backward.hpp>
#include <typegrad/loss/loss.hpp>
#include <typegrad/loss/mse.hpp>
#include <typegrad/loss/softmax_cross_entropy.hpp>
#include <typegrad/optim/optimizer.hpp>
#include <typegrad/optim/sgd.hpp>
#include <typegrad/optim/sgd_step.hpp>
#include <typegrad/expr.hpp>
#include <typegrad/optim/gradient_descent.hpp>
