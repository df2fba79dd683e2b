// Static partitioning of a range over threads. No pool and no shared state:
// every call owns its threads, so kernels may run concurrently from several
// Python threads (the GIL is released) without interfering. Each index is
// handled by exactly one thread, so results do not depend on the thread count.
#pragma once
#include <algorithm>
#include <atomic>
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

// Calls body(worker, begin, end) on chunks of `chunk` indices of [0, n) that
// `threads` workers take from a shared counter: on a busy machine a worker
// that gets less CPU time takes fewer chunks instead of holding everyone up.
// Each index is still handled by exactly one call; `worker` < the worker count.
template <class Body>
void parallel_chunks(std::size_t n, int threads, std::size_t chunk, Body&& body) {
  if (n == 0) return;
  chunk = std::max<std::size_t>(chunk, 1);
  const std::size_t chunks = (n + chunk - 1) / chunk;
  const std::size_t t = std::min<std::size_t>(resolve_threads(threads), chunks);
  std::atomic<std::size_t> next{0};
  parallel_for(t, int(t), 1, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t w = lo; w < hi; ++w)
      for (std::size_t c = next.fetch_add(1); c < chunks; c = next.fetch_add(1))
        body(w, c * chunk, std::min(n, (c + 1) * chunk));
  });
}

}  // namespace deltaform
