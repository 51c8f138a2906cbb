// tg::vec holds float or double only; an int vector is rejected by the scalar concept.
// expect: scalar
// expect: constraints not satisfied
#include <typegrad/core.hpp>

typegrad::vec<int, 3> v;
