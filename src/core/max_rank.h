// The largest tensor rank kerasm handles. Kernels walk shapes with fixed arrays of this size (no
// allocation per call), ops reject larger ranks with a ValueError naming the op and shape (CheckMaxRank in
// core/shape.h), and the bindings size the JS exchange by it. Keras and tfjs models stay well inside it:
// tfjs' own kernels stop at rank 6 for transpose and broadcasting.
#pragma once

namespace kerasm {

constexpr int kMaxRank = 8;

}  // namespace kerasm
