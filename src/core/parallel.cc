#include "core/parallel.h"

namespace kerasm {

int NumThreads() { return 1; }

}  // namespace kerasm
