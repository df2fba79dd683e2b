// Static partitioning of a range over threads. No pool and no shared state:
// every call owns its threads, so kernels may run concurrently from several
// Python threads (the GIL is released) without interfering. Each index is
// handled by exactly one thread, so results do not depend on the thread count.
#pragma once
#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace deltaform {

// 0 means "all hardware threads".
inline unsigned resolve_threads(int threads) {
  if (threads > 0) return unsigned(threads);
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1u : hw;
}

// Calls body(begin, end) on contiguous chunks of [0, n). Chunks are at least
// `grain` long so tiny batches stay on the calling thread.
template <class Body>
void parallel_for(std::size_t n, int threads, std::size_t grain, Body&& body) {
  if (n == 0) return;
  std::size_t t = std::min<std::size_t>(resolve_threads(threads), std::max<std::size_t>(1, n / std::max<std::size_t>(grain, 1)));
  if (t <= 1) {
    body(std::size_t(0), n);
    return;
  }
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> errors(t);
  std::size_t chunk = (n + t - 1) / t;
  auto run = [&](std::size_t i) {
    std::size_t b = i * chunk, e = std::min(n, b + chunk);
    if (b >= e) return;
    try {
      body(b, e);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  pool.reserve(t - 1);
  for (std::size_t i = 1; i < t; ++i) pool.emplace_back(run, i);
  run(0);
  for (auto& th : pool) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace deltaform
