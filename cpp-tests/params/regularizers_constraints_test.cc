// Regularizers (value against the formula, gradient against finite differences) and constraints (against
// Keras' formulas for norms over `axis`), with their configs and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "core/error.h"
#include "expect_error.h"
#include "gradcheck.h"
#include "params/constraints.h"
#include "params/regularizers.h"

namespace kerasm {
namespace {

using params::CreateConstraint;
using params::CreateRegularizer;
using params::json;
using testing::RandomTensor;

using testing::ExpectValueError;

double Penalty(const Tensor& w, double l1, double l2) {
  double s = 0;
  for (int64_t i = 0; i < w.size(); ++i) s += l1 * std::fabs(w.f32()[i]) + l2 * double(w.f32()[i]) * w.f32()[i];
  return s;
}

TEST(Regularizers, ValuesMatchFormula) {
  const Tensor w = RandomTensor({4, 5}, 1, -2, 2);
  const std::vector<std::tuple<json, double, double>> cases = {
      {"l1", 0.01, 0},
      {"l2", 0, 0.01},
      {"l1l2", 0.01, 0.01},
      {"l1_l2", 0.01, 0.01},
      {{{"class_name", "L1L2"}, {"config", {{"l1", 0.3}, {"l2", 0.0}}}}, 0.3, 0},
      {{{"className", "L1L2"}, {"config", {{"l1", 0.2}, {"l2", 0.5}}}}, 0.2, 0.5},
      {{{"class_name", "L2"}, {"config", {{"l2", 0.7}}}}, 0, 0.7},
  };
  for (const auto& [spec, l1, l2] : cases) {
    const Tensor v = (*CreateRegularizer(spec))(w);
    EXPECT_EQ(v.rank(), 0) << spec.dump();
    EXPECT_NEAR(v.item(), Penalty(w, l1, l2), 1e-5 * Penalty(w, l1, l2)) << spec.dump();
  }
  const Tensor zero = (*CreateRegularizer({{"class_name", "L1L2"}, {"config", {{"l1", 0}, {"l2", 0}}}}))(w);
  EXPECT_EQ(zero.item(), 0.f);
}

TEST(Regularizers, GradientsMatchFiniteDifferences) {
  Tensor w = RandomTensor({3, 4}, 2, -2, 2);
  for (int64_t i = 0; i < w.size(); ++i) {
    if (std::fabs(w.f32()[i]) < 0.05f) w.f32()[i] += 0.1f;  // away from |w|'s kink
  }
  auto reg = CreateRegularizer({{"class_name", "L1L2"}, {"config", {{"l1", 0.3}, {"l2", 0.2}}}});
  testing::ExpectGradientMatches([&](const Tensor& x) { return (*reg)(x); }, w, "l1l2");
}

TEST(Regularizers, ConfigsAndErrors) {
  auto l1 = CreateRegularizer("l1");
  EXPECT_EQ(l1->ClassName(), "L1");
  EXPECT_EQ(params::SerializeRegularizer(*l1), (json{{"class_name", "L1"}, {"config", {{"l1", 0.01}}}}));
  auto both = CreateRegularizer({{"class_name", "L1L2"}, {"config", {{"l1", 0.1}, {"l2", 0.2}}}});
  EXPECT_EQ(both->GetConfig(), (json{{"l1", 0.1}, {"l2", 0.2}}));
  EXPECT_EQ(CreateRegularizer(params::SerializeRegularizer(*both))->GetConfig(), both->GetConfig());
  ExpectValueError([] { CreateRegularizer("l3"); }, "unknown regularizer 'l3'");
  ExpectValueError([] { CreateRegularizer({{"class_name", "L1L2"}, {"config", {{"l1", -1}}}}); },
                   "L1L2: l1 must be >= 0. Received: l1=-1");
  ExpectValueError([] { CreateRegularizer({{"class_name", "L1"}, {"config", {{"l2", 1}}}}); },
                   "L1: unrecognized argument 'l2'");
}

// Keras' constraint formula: w * desired(norm) / (1e-7 + norm), norms taken over `axes`.
Tensor ReferenceRescale(const Tensor& w, const std::vector<int>& axes, const std::function<double(double)>& desired) {
  const int rank = w.rank();
  std::vector<bool> reduced(rank, false);
  for (int a : axes) reduced[a < 0 ? a + rank : a] = true;
  const std::vector<int64_t> strides = ShapeStrides(w.shape());
  // Two elements share a slice when they agree on every kept axis.
  auto key = [&](int64_t i) {
    std::vector<int64_t> k;
    for (int d = 0; d < rank; ++d) {
      if (!reduced[d]) k.push_back((i / strides[d]) % w.shape()[d]);
    }
    return k;
  };
  Tensor out(w.shape());
  for (int64_t i = 0; i < w.size(); ++i) {
    double sq = 0;
    for (int64_t j = 0; j < w.size(); ++j) {
      if (key(j) == key(i)) sq += double(w.f32()[j]) * w.f32()[j];
    }
    const double norm = std::sqrt(sq);
    out.f32()[i] = static_cast<float>(w.f32()[i] * desired(norm) / (1e-7 + norm));
  }
  return out;
}

void ExpectClose(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  for (int64_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got.f32()[i], want.f32()[i], 1e-6 + 1e-5 * std::fabs(want.f32()[i])) << what << " element " << i;
  }
}

TEST(Constraints, NormConstraintsMatchFormula) {
  const std::vector<std::pair<Shape, std::vector<int>>> cases = {
      {{4, 3}, {0}}, {{4, 3}, {1}}, {{4, 3}, {-1}}, {{4, 3}, {0, 1}}, {{2, 2, 3, 4}, {0, 1, 2}}, {{3, 5, 2}, {1}}};
  for (const auto& [shape, axes] : cases) {
    const Tensor w = RandomTensor(shape, 5, -1.5f, 1.5f);
    const json axis = axes.size() == 1 ? json(axes[0]) : json(axes);
    const std::string what = ShapeToString(shape) + " axis " + axis.dump();
    auto max_norm = CreateConstraint({{"class_name", "MaxNorm"}, {"config", {{"max_value", 0.8}, {"axis", axis}}}});
    ExpectClose((*max_norm)(w), ReferenceRescale(w, axes, [](double n) { return std::min(n, 0.8); }), "maxNorm " + what);
    auto unit = CreateConstraint({{"className", "UnitNorm"}, {"config", {{"axis", axis}}}});
    ExpectClose((*unit)(w), ReferenceRescale(w, axes, [](double) { return 1.0; }), "unitNorm " + what);
    auto min_max = CreateConstraint(
        {{"class_name", "MinMaxNorm"}, {"config", {{"minValue", 0.9}, {"maxValue", 1.2}, {"rate", 0.4}, {"axis", axis}}}});
    ExpectClose((*min_max)(w),
                ReferenceRescale(w, axes, [](double n) { return 0.4 * std::min(std::max(n, 0.9), 1.2) + 0.6 * n; }),
                "minMaxNorm " + what);
  }
}

TEST(Constraints, DefaultsNonNegAndZeroSlices) {
  const Tensor w = RandomTensor({5, 3}, 6, -3, 3);
  ExpectClose((*CreateConstraint("maxNorm"))(w), ReferenceRescale(w, {0}, [](double n) { return std::min(n, 2.0); }),
              "maxNorm defaults");
  ExpectClose((*CreateConstraint("min_max_norm"))(w),
              ReferenceRescale(w, {0}, [](double n) { return std::min(std::max(n, 0.0), 1.0); }), "minMaxNorm defaults");
  const Tensor nn = (*CreateConstraint("non_neg"))(w);
  for (int64_t i = 0; i < w.size(); ++i) EXPECT_EQ(nn.f32()[i], std::max(w.f32()[i], 0.f));
  // An all-zero column stays zero (the epsilon keeps 0 / 0 away).
  const Tensor z = (*CreateConstraint("unitNorm"))(Tensor::Zeros({3, 2}));
  for (int64_t i = 0; i < z.size(); ++i) EXPECT_EQ(z.f32()[i], 0.f);
  // The input is not modified.
  const float first = w.f32()[0];
  (*CreateConstraint("unitNorm"))(w);
  EXPECT_EQ(w.f32()[0], first);
}

TEST(Constraints, ConfigsAndErrors) {
  auto c = CreateConstraint({{"className", "MaxNorm"}, {"config", {{"maxValue", 3}, {"axis", 1}}}});
  EXPECT_EQ(params::SerializeConstraint(*c), (json{{"class_name", "MaxNorm"}, {"config", {{"max_value", 3.0}, {"axis", 1}}}}));
  EXPECT_EQ(CreateConstraint(params::SerializeConstraint(*c))->GetConfig(), c->GetConfig());
  auto list = CreateConstraint({{"class_name", "UnitNorm"}, {"config", {{"axis", {0, 1, 2}}}}});
  EXPECT_EQ(list->GetConfig(), (json{{"axis", {0, 1, 2}}}));
  EXPECT_EQ(CreateConstraint("nonNeg")->ClassName(), "NonNeg");
  ExpectValueError([] { CreateConstraint("maxnormal"); }, "unknown constraint 'maxnormal'");
  ExpectValueError([] { CreateConstraint({{"class_name", "MaxNorm"}, {"config", {{"max_value", -1}}}}); },
                   "MaxNorm: max_value must be >= 0. Received: max_value=-1");
  ExpectValueError([] { CreateConstraint({{"class_name", "MinMaxNorm"}, {"config", {{"rate", 2}}}}); }, "rate must be in [0, 1]");
  ExpectValueError([] { CreateConstraint({{"class_name", "MinMaxNorm"}, {"config", {{"min_value", 2}, {"max_value", 1}}}}); },
                   "min_value must be in [0, max_value");
  ExpectValueError([] { CreateConstraint({{"class_name", "UnitNorm"}, {"config", {{"axis", "rows"}}}}); },
                   "axis must be an integer");
  ExpectValueError([] { (*CreateConstraint({{"class_name", "UnitNorm"}, {"config", {{"axis", 2}}}}))(Tensor::Zeros({3, 2})); },
                   "axis 2 is out of range");
}

}  // namespace
}  // namespace kerasm
