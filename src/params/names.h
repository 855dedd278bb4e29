// How names are spelled: the one converter between Keras' snake_case ("kernel_initializer", "glorot_uniform",
// "hard_sigmoid") and tfjs' camelCase ("kernelInitializer", "glorotUniform", "hardSigmoid").
//
// Config readers compare names by SpellingKey, so a config may use either spelling (and Keras' class names,
// "GlorotUniform") with no conversion step in between; ToSnakeCase and ToCamelCase are for writing names out.
#pragma once

#include <string>

namespace kerasm::params {

// Lower case with the underscores dropped: "kernel_initializer", "kernelInitializer" and "KernelInitializer"
// all become "kernelinitializer"; so do "beta_1" and "beta1", "l1_l2" and "L1L2", "lecun_normal" and
// "leCunNormal" (where a word-splitting rule would disagree with itself).
std::string SpellingKey(const std::string& name);
inline bool SameSpelling(const std::string& a, const std::string& b) { return SpellingKey(a) == SpellingKey(b); }

// Keras' generic_utils.to_snake_case: "Conv2D" -> "conv2d", "BatchNormalization" -> "batch_normalization",
// "SimpleRNN" -> "simple_rnn", "kernelInitializer" -> "kernel_initializer". Default layer names come from it.
std::string ToSnakeCase(const std::string& name);

// tfjs' spelling of a snake_case name: "kernel_initializer" -> "kernelInitializer", "channels_last" ->
// "channelsLast", "beta_1" -> "beta1"; names without underscores are unchanged.
std::string ToCamelCase(const std::string& name);

}  // namespace kerasm::params
