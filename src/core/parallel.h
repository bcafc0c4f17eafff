#pragma once
/// Running independent pieces of work on every core.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace persona {

/// Runs work(i, state) for every i in [0, n) on up to `jobs` threads (0: one per core), each
/// thread with its own State from make(). The calling thread is one of them. The first exception
/// thrown stops the handing out of further pieces and is rethrown once every thread has stopped.
template <typename State, typename Make, typename Work>
void parallel_with(std::size_t n, unsigned jobs, Make make, Work work) {
  unsigned threads = jobs ? jobs : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(n, 1)));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto run = [&] {
    try {
      State state = make();
      for (std::size_t i; !failed && (i = next++) < n;) work(i, state);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      failed = true;
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(run);
  run();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

/// parallel_with() without per-thread state: fn(i) for every i in [0, n).
template <typename Fn>
void parallel_for(std::size_t n, unsigned jobs, Fn fn) {
  struct None {};
  parallel_with<None>(
      n, jobs, [] { return None{}; }, [&](std::size_t i, None&) { fn(i); });
}

}  // namespace persona
