// parallel_for: the one place work is split across threads. The default (single-threaded) build runs the
// body inline as one range; a threaded build will hand ranges to a worker pool. Bodies must therefore be
// safe to run concurrently on disjoint ranges and must not depend on the split.
#pragma once

#include <cstdint>

namespace kerasm {

// Calls body(begin, end) over [0, n) in chunks of at least `grain` items.
template <typename Body>
void ParallelFor(int64_t n, int64_t grain, const Body& body) {
  (void)grain;
  if (n > 0) body(int64_t{0}, n);
}

int NumThreads();

}  // namespace kerasm
