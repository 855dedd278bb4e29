// Constants shared by the unary kernels and their gradients (unary.cc, unary_grad.cc).
#pragma once

namespace kerasm::kernels::unary_constants {

constexpr float kSeluAlpha = 1.6732632423543772f;
constexpr float kSeluScale = 1.0507009873554805f;
// geluTanh(x) = 0.5 x (1 + tanh(u)) = x sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3); the sigmoid
// form has no 1 + tanh cancellation for negative x. 2u itself is evaluated as a float pair
// (GeluTanhSigmoids); these float constants serve its derivative (2u)' = kTwoC + 3 kTwoC3 x^2.
constexpr float kTwoC = 1.5957691216057308f;    // 2 sqrt(2/pi)
constexpr float kTwoC3 = 0.07135481627260025f;  // 2 sqrt(2/pi) 0.044715
// Beyond these the ops are saturated in float (gelu(-20) = -20 * 2.8e-89 = 0; swish and mish at -110
// underflow; their derivatives are 1 or 0 to the last bit), so clamping there only keeps inf and
// overflow out of the formulas.
constexpr float kGeluLimit = 20.0f;
constexpr float kExpTailLimit = 110.0f;
constexpr float kMishUpper = 20.0f;  // tanh(softplus(20)) rounds to 1

}  // namespace kerasm::kernels::unary_constants
