// Static tests of the layer contract's optional capabilities (typegrad/layers/layer.hpp): every
// built-in layer models exactly the capabilities it claims, so a hook with a misspelt name or a wrong
// signature fails here instead of silently turning a fast path off.
#include <ratio>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {

enum capability : unsigned {
    batch = 1 << 0,             // tg::batch_layer
    batch_state = 1 << 1,       // tg::has_batch_state
    assigns = 1 << 2,           // tg::assigns_batch_gradient
    batch_in_place = 1 << 3,    // tg::batch_updates_in_place
    running_stats = 1 << 4,     // tg::keeps_running_statistics
    skips_input = 1 << 5,       // tg::skips_input_gradient
    sgd_in_place = 1 << 6,      // tg::updates_in_place
    inference = 1 << 7,         // tg::inference_layout
    fuses = 1 << 8,             // tg::fuses_activation with every elementwise activation
    infers_fused = 1 << 9,      // tg::infers_with_activation with every elementwise activation
    neuron_split = 1 << 10,     // tg::splits_neurons, alone and with every elementwise activation
    elementwise = 1 << 11,      // tg::elementwise_activation
    draws = 1 << 12,            // tg::draws_randomly
};

template <class L, class T, std::size_t In, template <class, class, class, std::size_t> class C>
constexpr bool with_every_activation =
    C<L, tg::sign, T, In>::value && C<L, tg::sigmoid, T, In>::value && C<L, tg::relu, T, In>::value &&
    C<L, tg::tanh, T, In>::value && C<L, tg::leaky_relu<>, T, In>::value && C<L, tg::leaky_relu<std::ratio<1, 5>>, T, In>::value &&
    C<L, tg::elu<>, T, In>::value && C<L, tg::softplus, T, In>::value && C<L, tg::silu, T, In>::value &&
    C<L, tg::gelu, T, In>::value && C<L, tg::gelu_tanh, T, In>::value;

template <class L, class A, class T, std::size_t In>
struct fuses_c : std::bool_constant<tg::fuses_activation<L, A, T, In>> {};
template <class L, class A, class T, std::size_t In>
struct infers_c : std::bool_constant<tg::infers_with_activation<L, A, T, In>> {};
template <class L, class A, class T, std::size_t In>
struct splits_c : std::bool_constant<tg::splits_neurons<L, A, T, In>> {};

// The capabilities L models, bound to T and In; a capability taking an activation counts only if L
// models it with every elementwise one.
template <class L, class T = float, std::size_t In = tg::states_in_size<L> ? tg::probe_in_size<L> : 5>
constexpr unsigned capabilities =
    (tg::batch_layer<L, T, In> ? batch : 0u) | (tg::has_batch_state<L, T, In> ? batch_state : 0u) |
    (tg::assigns_batch_gradient<L, T, In> ? assigns : 0u) | (tg::batch_updates_in_place<L> ? batch_in_place : 0u) |
    (tg::keeps_running_statistics<L, T, In> ? running_stats : 0u) |
    (tg::skips_input_gradient<L, T, In> ? skips_input : 0u) | (tg::updates_in_place<L, T, In> ? sgd_in_place : 0u) |
    (tg::inference_layout<L, T, In> ? inference : 0u) | (with_every_activation<L, T, In, fuses_c> ? fuses : 0u) |
    (with_every_activation<L, T, In, infers_c> ? infers_fused : 0u) |
    (tg::splits_neurons<L, void, T, In> && with_every_activation<L, T, In, splits_c> ? neuron_split : 0u) |
    (tg::elementwise_activation<L> ? elementwise : 0u) | (tg::draws_randomly<L, T, In> ? draws : 0u);

constexpr unsigned dense_caps =
    batch | assigns | batch_in_place | skips_input | sgd_in_place | inference | fuses | infers_fused | neuron_split;
static_assert(capabilities<tg::dense<5, 3>> == dense_caps);
static_assert(capabilities<tg::dense<5, 3>, double> == dense_caps);
static_assert(capabilities<tg::dense<1, 1>> == dense_caps);
static_assert(capabilities<tg::dense<67, 17>, double> == dense_caps);

static_assert(capabilities<tg::sign> == (batch | elementwise));
static_assert(capabilities<tg::sigmoid, double> == (batch | elementwise));
static_assert(capabilities<tg::relu, float, 17> == (batch | elementwise));
static_assert(capabilities<tg::tanh, double, 3> == (batch | elementwise));
// The named activations: elementwise, so that dense fuses them and tg::fit splits their neurons.
static_assert(capabilities<tg::leaky_relu<>> == (batch | elementwise));
static_assert(capabilities<tg::leaky_relu<std::ratio<1, 5>>, double, 3> == (batch | elementwise));
static_assert(capabilities<tg::elu<>, float, 17> == (batch | elementwise));
static_assert(capabilities<tg::elu<std::ratio<1, 2>>, double> == (batch | elementwise));
static_assert(capabilities<tg::softplus, double, 3> == (batch | elementwise));
static_assert(capabilities<tg::silu> == (batch | elementwise));
static_assert(capabilities<tg::gelu, double, 67> == (batch | elementwise));
static_assert(capabilities<tg::gelu_tanh, float, 1> == (batch | elementwise));
static_assert(capabilities<tg::log_softmax, float, 10> == batch);
// silu and the gelus derive from their input, the others from their output.
static_assert(tg::derivative_from_input<tg::silu> && tg::derivative_from_input<tg::gelu> &&
              tg::derivative_from_input<tg::gelu_tanh>);
static_assert(!tg::derivative_from_input<tg::relu> && !tg::derivative_from_input<tg::leaky_relu<>> &&
              !tg::derivative_from_input<tg::elu<>> && !tg::derivative_from_input<tg::softplus>);
static_assert(!tg::derivative_from_input<tg::activation<tg::x_ * tg::expr::sigmoid(tg::x_)>>);
// The layer before a rectifier gets He initialisation, before anything else Glorot.
static_assert(tg::rectifier<tg::relu> && tg::rectifier<tg::leaky_relu<std::ratio<1, 10>>> && tg::rectifier<tg::elu<>> &&
              tg::rectifier<tg::softplus> && tg::rectifier<tg::silu> && tg::rectifier<tg::gelu> &&
              tg::rectifier<tg::gelu_tanh>);
static_assert(!tg::rectifier<tg::sigmoid> && !tg::rectifier<tg::tanh> && !tg::rectifier<tg::sign> &&
              !tg::rectifier<tg::identity> && !tg::rectifier<tg::log_softmax> && !tg::rectifier<tg::dense<2, 2>>);

static_assert(capabilities<tg::identity> == batch);
static_assert(capabilities<tg::activation<tg::x_ * tg::expr::sigmoid(tg::x_)>> == batch);
static_assert(capabilities<tg::softmax, float, 10> == batch);
static_assert(capabilities<tg::dropout<50>> == (batch | batch_state | draws));
static_assert(capabilities<tg::dropout<80>, double, 17> == (batch | batch_state | draws));
// A block or tg::concat draws when a layer inside does, as many draws as they make together.
static_assert(tg::draws_randomly<tg::residual<tg::dropout<50>>, float, 4> &&
              tg::draw_count<tg::residual<tg::relu, tg::dropout<50>, tg::residual<tg::dropout<80>>>> == 2);
static_assert(tg::draws_randomly<tg::concat<tg::dense<3>, tg::dropout<50>>, float, 4> &&
              tg::draw_count<tg::concat<tg::dropout<50>, tg::sequential<tg::dropout<50>, tg::dropout<90>>>> == 3);
static_assert(!tg::draws_randomly<tg::residual<tg::relu>, float, 4> && tg::draw_count<tg::concat<tg::relu>> == 0 &&
              tg::draw_count<tg::batch_norm> == 0);
static_assert(capabilities<tg::batch_norm, float, 8> ==
              (batch | batch_state | assigns | batch_in_place | running_stats));
static_assert(capabilities<tg::batch_norm, double, 3> ==
              (batch | batch_state | assigns | batch_in_place | running_stats));

// A dense layer fuses only an elementwise activation after it: not softmax, dropout or another dense.
static_assert(!tg::fuses_activation<tg::dense<4, 3>, tg::softmax>);
static_assert(!tg::fuses_activation<tg::dense<4, 3>, tg::log_softmax>);
static_assert(!tg::fuses_activation<tg::dense<4, 3>, tg::dropout<50>>);
static_assert(!tg::fuses_activation<tg::dense<4, 3>, tg::identity>);
static_assert(!tg::fuses_activation<tg::dense<4, 3>, tg::activation<tg::x_ * tg::x_>>);
static_assert(!tg::fuses_activation<tg::dense<4, 3>, tg::dense<3, 3>>);
static_assert(!tg::elementwise_activation<tg::dense<4, 3>>);

// A hook with a misspelt name is not a capability.
struct misspelt : tg::identity {
    template <tg::scalar T, std::size_t N>
    static constexpr void backward_param(const tg::no_params&, const tg::no_params&, const tg::vec<T, N>&,
                                         tg::no_params&) noexcept {}
};
static_assert(tg::layer<misspelt> && !tg::skips_input_gradient<misspelt>);
struct relu_like : tg::parameter_free_layer<tg::output_cache> {  // value and derivative, but not the base
    template <class V>
    static constexpr V value(V z) noexcept { return z; }
    template <class V>
    static constexpr V derivative_from_output(V) noexcept { return V(1); }
};
static_assert(!tg::elementwise_activation<relu_like>);
static_assert(!tg::fuses_activation<tg::dense<4, 3>, relu_like>);

// Negative: not layers model no capability.
static_assert(capabilities<int, float, 4> == 0);

// Every built-in layer names its kind (tg::summary); a layer without a name shows its type's.
static_assert(tg::named_layer<tg::dense<2, 3>> && tg::named_layer<tg::batch_norm> && tg::named_layer<tg::dropout<50>> &&
              tg::named_layer<tg::softmax> && tg::named_layer<tg::activation<tg::x_>> && tg::named_layer<tg::identity>);
static_assert(tg::layer_name<tg::tanh>() == "tanh" && tg::layer_name<tg::basic_batch_norm<1e-3, 0.01>>() == "batch_norm");
static_assert(!tg::named_layer<relu_like> && tg::layer_name<relu_like>().ends_with("::relu_like"));
static_assert(tg::layer_name<tg::leaky_relu<std::ratio<1, 5>>>() == "leaky_relu" && tg::layer_name<tg::elu<>>() == "elu" &&
              tg::layer_name<tg::softplus>() == "softplus" && tg::layer_name<tg::silu>() == "silu" &&
              tg::layer_name<tg::gelu>() == "gelu" && tg::layer_name<tg::gelu_tanh>() == "gelu_tanh" &&
              tg::layer_name<tg::log_softmax>() == "log_softmax");

}  // namespace
