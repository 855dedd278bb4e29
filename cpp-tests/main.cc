// The test binary's entry point: the start-up every kerasm program makes (the model classes join the layer
// registry, models::RegisterModelClasses), then GoogleTest.
#include <gtest/gtest.h>

#include "models/serialization.h"

int main(int argc, char** argv) {
  kerasm::models::RegisterModelClasses();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
