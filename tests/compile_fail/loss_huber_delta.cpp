// A Huber loss whose Delta is not a finite number above 0 is a compile error that says so.
// expect: tg::huber<Delta>: expected a finite Delta > 0
#include <typegrad/loss/huber.hpp>

typegrad::huber<0.0> loss;
