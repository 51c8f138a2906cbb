// dropout<0> would drop every output (and scale by 100 / 0); dropout<101> keeps more than all. Both
// are compile errors that say the valid range.
// expect: tg::dropout<KeepPercent> keeps KeepPercent outputs in 100: expected 0 < KeepPercent <= 100
// expect: dropout<0>
// expect: dropout<101>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using none = tg::sequential<tg::dense<2, 4>, tg::dropout<0>>;
using too_many = tg::sequential<tg::dense<2, 4>, tg::dropout<101>>;
static_assert(none::out_size == 4 && too_many::out_size == 4);
