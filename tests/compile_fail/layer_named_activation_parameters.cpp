// leaky_relu and elu read their derivative from the output's sign, which a negative slope or a
// non-positive alpha would not tell: both are compile errors that say so.
// expect: tg::leaky_relu<Slope>: Slope must be at least 0
// expect: tg::elu<Alpha>: Alpha must be positive
// expect: leaky_relu<std::ratio<-1, 10> >
#include <ratio>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using negative_slope = tg::sequential<tg::dense<2, 4>, tg::leaky_relu<std::ratio<-1, 10>>>;
using zero_alpha = tg::sequential<tg::dense<2, 4>, tg::elu<std::ratio<0>>>;
static_assert(negative_slope::out_size == 4 && zero_alpha::out_size == 4);
