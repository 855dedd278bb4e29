// The one config reader: either spelling of a key, the path of every value in messages, specs, unknown keys;
// and the one name converter it relies on.
#include <gtest/gtest.h>

#include "core/error.h"
#include "expect_error.h"
#include "params/config_reader.h"
#include "params/initializers.h"
#include "params/names.h"

namespace kerasm::testing {
namespace {

using params::ConfigReader;
using params::json;

TEST(Names, SnakeCaseOfClassNamesFollowsKeras) {
  EXPECT_EQ(params::ToSnakeCase("Dense"), "dense");
  EXPECT_EQ(params::ToSnakeCase("Conv2D"), "conv2d");
  EXPECT_EQ(params::ToSnakeCase("BatchNormalization"), "batch_normalization");
  EXPECT_EQ(params::ToSnakeCase("SimpleRNN"), "simple_rnn");
  EXPECT_EQ(params::ToSnakeCase("GlobalAveragePooling2D"), "global_average_pooling2d");
  EXPECT_EQ(params::ToSnakeCase("LSTM"), "lstm");
  EXPECT_EQ(params::ToSnakeCase("PReLU"), "p_re_lu");
  EXPECT_EQ(params::ToSnakeCase("kernelInitializer"), "kernel_initializer");
  EXPECT_EQ(params::ToSnakeCase("hardSigmoid"), "hard_sigmoid");
  EXPECT_EQ(params::ToSnakeCase("use_bias"), "use_bias");
}

TEST(Names, CamelCaseIsTfjsSpelling) {
  EXPECT_EQ(params::ToCamelCase("kernel_initializer"), "kernelInitializer");
  EXPECT_EQ(params::ToCamelCase("batch_input_shape"), "batchInputShape");
  EXPECT_EQ(params::ToCamelCase("channels_last"), "channelsLast");
  EXPECT_EQ(params::ToCamelCase("beta_1"), "beta1");
  EXPECT_EQ(params::ToCamelCase("units"), "units");
  EXPECT_EQ(params::ToCamelCase("learningRate"), "learningRate");
  // The two directions undo each other on the names configs hold.
  for (const char* snake : {"kernel_initializer", "return_sequences", "depth_multiplier", "max_value"}) {
    EXPECT_EQ(params::ToSnakeCase(params::ToCamelCase(snake)), snake);
  }
}

TEST(Names, SpellingsCompareEqual) {
  EXPECT_TRUE(params::SameSpelling("kernel_initializer", "kernelInitializer"));
  EXPECT_TRUE(params::SameSpelling("beta_1", "beta1"));
  EXPECT_TRUE(params::SameSpelling("GlorotUniform", "glorot_uniform"));
  EXPECT_TRUE(params::SameSpelling("lecun_normal", "leCunNormal"));
  EXPECT_TRUE(params::SameSpelling("l1_l2", "L1L2"));
  EXPECT_FALSE(params::SameSpelling("units", "unit"));
}

TEST(ConfigReader, ReadsEitherSpellingAndReportsTheUsersOne) {
  ConfigReader camel(json{{"useBias", true}, {"kernelSize", 3}, {"inputShape", {2, nullptr}}}, "Conv1D");
  EXPECT_TRUE(camel.Bool("use_bias", false));
  EXPECT_EQ(camel.Int("kernel_size", 1), 3);
  EXPECT_EQ(*camel.OptionalShape("input_shape"), (Shape{2, -1}));
  EXPECT_EQ(camel.PathOf("kernel_size"), "kernelSize");
  // An absent key is named in the config's own style.
  EXPECT_EQ(camel.PathOf("data_format"), "dataFormat");
  camel.Finish();

  ConfigReader snake(json{{"use_bias", 1}}, "Dense 'd'");
  EXPECT_EQ(snake.PathOf("use_bias"), "use_bias");
  EXPECT_EQ(ErrorOf<ValueError>([&] { snake.Bool("use_bias", false); }),
            "Dense 'd': use_bias must be true or false. Received: use_bias=1");
  EXPECT_EQ(ErrorOf<ValueError>([&] { snake.Missing("units"); }), "Dense 'd': the argument units is required");
}

TEST(ConfigReader, NestedValuesCarryTheirPath) {
  ConfigReader top(json{{"kernelInitializer", {{"className", "RandomNormal"}, {"config", {{"stddev", -1}}}}}},
                   "Dense 'd'");
  ExpectContains(ErrorOf<ValueError>([&] { params::ReadInitializer(top, "kernel_initializer", "zeros"); }),
                 {"Dense 'd': kernelInitializer.config.stddev must be >= 0. Received: kernelInitializer.config.stddev=-1"});
  ConfigReader child_owner(json{{"cell", {{"units", "many"}}}}, "RNN 'r'");
  ConfigReader cell = child_owner.Child("cell");
  EXPECT_EQ(cell.path(), "cell");
  EXPECT_EQ(ErrorOf<ValueError>([&] { cell.Int("units", 1); }),
            "RNN 'r': cell.units must be an integer. Received: cell.units=\"many\"");
  ConfigReader not_object(json{{"cell", 3}}, "RNN");
  ExpectContains(ErrorOf<ValueError>([&] { not_object.Child("cell"); }), {"RNN: cell must be an object. Received: cell=3"});
}

TEST(ConfigReader, UnknownKeysNullsAndDisagreements) {
  ConfigReader r(json{{"units", 2}, {"seed", nullptr}, {"unitz", 3}}, "Dense");
  EXPECT_EQ(r.Int("units", 0), 2);
  EXPECT_FALSE(r.Seed().has_value());  // null is "not given", as Keras writes it
  EXPECT_EQ(ErrorOf<ValueError>([&] { r.Finish(); }), "Dense: unrecognized argument 'unitz'. Received: unitz=3");
  r.Ignore("unitz");
  r.Finish();
  ConfigReader twice(json{{"learningRate", 0.1}, {"learning_rate", 0.2}}, "Adam");
  ExpectContains(ErrorOf<ValueError>([&] { twice.Number("learning_rate", 0.0); }), {"learningRate", "learning_rate", "disagree"});
  ConfigReader same(json{{"learningRate", 0.1}, {"learning_rate", 0.1}}, "Adam");
  EXPECT_EQ(same.Number("learning_rate", 0.0), 0.1);
  ExpectContains(ErrorOf<ValueError>([] { ConfigReader(json::array(), "Dense"); }), {"Dense: a config must be an object"});
}

TEST(ConfigReader, StandaloneSpecsNameTheirClass) {
  ExpectContains(ErrorOf<ValueError>([] { params::CreateInitializer({{"class_name", "HeNormal"}, {"config", {{"seed", "x"}}}}); }),
                 {"HeNormal: seed must be an integer or null. Received: seed=\"x\""});
  ConfigReader top(json{{"kernel_initializer", "glorotUniformish"}}, "Dense 'd'");
  EXPECT_EQ(ErrorOf<ValueError>([&] { params::ReadInitializer(top, "kernel_initializer", "zeros"); }),
            "Dense 'd': unknown initializer 'glorotUniformish'. Received: kernel_initializer=\"glorotUniformish\"");
}

}  // namespace
}  // namespace kerasm::testing
