#include <emscripten/bind.h>
#include "core/tensor.h"
#include "kernels/elementwise.h"
using namespace emscripten;
int LiveStorage() { return (int)kerasm::Storage::LiveCount(); }
EMSCRIPTEN_BINDINGS(kerasm) { function("liveStorage", &LiveStorage); }
