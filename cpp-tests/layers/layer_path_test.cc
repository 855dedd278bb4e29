// Sub-layers as parts: a layer adopted by another (what wrappers and RNN cells will be) has a parent and a
// path, and the weights it creates are named by that path, as Keras 3 names them
// ("bidirectional/forward_lstm/cell/kernel").
#include <gtest/gtest.h>

#include "core/error.h"
#include "expect_error.h"
#include "layers/registry.h"

namespace kerasm::testing {
namespace {

using layers::LayerPtr;
using layers::Shapes;
using layers::Tensors;

// The smallest wrapper: applies its one part.
class Wrap : public layers::Layer {
 public:
  Wrap(const std::string& name, LayerPtr inner) : Layer("Wrap", name, "wrap"), inner_(std::move(inner)) {
    AdoptLayer(inner_);
  }
  void Build(const Shapes& shapes) override { inner_->MaybeBuild(shapes); }
  Tensors Call(const Tensors& inputs, const layers::CallContext& ctx) override { return inner_->Apply(inputs, ctx); }
  Shapes ComputeOutputShape(const Shapes& shapes) override { return inner_->ComputeOutputShape(shapes); }

 private:
  LayerPtr inner_;
};

TEST(LayerPath, PartsAreNamedFromTheOutermostOwner) {
  LayerPtr cell = layers::CreateLayer("Dense", {{"units", 2}, {"name", "cell"}});
  auto forward = std::make_shared<Wrap>("forward_lstm", cell);
  auto outer = std::make_shared<Wrap>("bidirectional", forward);
  EXPECT_EQ(cell->Path(), "bidirectional/forward_lstm/cell");
  EXPECT_EQ(cell->parent(), forward.get());
  EXPECT_EQ(outer->Path(), "bidirectional");
  EXPECT_EQ(outer->parent(), nullptr);
  outer->Apply(Tensor::Zeros({1, 3}));
  EXPECT_EQ(outer->WeightNames(),
            (std::vector<std::string>{"bidirectional/forward_lstm/cell/kernel", "bidirectional/forward_lstm/cell/bias"}));
  EXPECT_EQ(cell->Weights()[0]->name(), "bidirectional/forward_lstm/cell/kernel");
  // A part belongs to one owner.
  ExpectContains(ErrorOf<ValueError>([&] { Wrap("other", cell); }), {"'cell' is already a part of 'bidirectional/forward_lstm'"});
}

TEST(LayerPath, APartOutlivingItsOwnerIsTopLevelAgain) {
  LayerPtr cell = layers::CreateLayer("Dense", {{"units", 1}, {"name", "lone_cell"}});
  {
    auto owner = std::make_shared<Wrap>("short_lived", cell);
    EXPECT_EQ(cell->Path(), "short_lived/lone_cell");
  }
  EXPECT_EQ(cell->parent(), nullptr);
  EXPECT_EQ(cell->Path(), "lone_cell");
}

}  // namespace
}  // namespace kerasm::testing
