// Where Generator::Serve gets its requests while it runs: the seam between a
// serving loop (an HTTP server, a queue of work) and the continuous-batching
// scheduler. The scheduler polls the source between two forward steps, so a
// request that arrives while a batch is decoding starts prefilling at the next
// step, in a free slot, instead of waiting for the batch to drain; and a
// request whose caller went away is ended at the next step, freeing its slot.
//
// The source knows nothing of the engine's slots or steps, and the engine
// nothing of where requests come from (no HTTP here).
#ifndef DOOMSCOPE_ENGINE_REQUEST_SOURCE_H_
#define DOOMSCOPE_ENGINE_REQUEST_SOURCE_H_

#include <cstdint>
#include <vector>

#include "engine/generator.h"

namespace doomscope::engine {

// What one poll brings.
struct SourcePoll {
  // New requests, queued behind those already waiting (first come, first
  // admitted). Their `tag`s name them in `cancelled` later: keep a tag unique
  // among the requests in flight.
  std::vector<GenerationRequest> requests;
  // Tags of requests to end now, running or still queued: they finish with
  // FinishReason::kCancelled and the tokens generated so far. Tags of requests
  // that already finished are ignored.
  std::vector<uint64_t> cancelled;
  // No request will come any more: Serve finishes what it holds and returns.
  bool closed = false;
};

class RequestSource {
 public:
  virtual ~RequestSource() = default;
  // Called on the thread running Generator::Serve before every step, with an
  // empty `*out`. When `wait` is true nothing is running or queued: the call
  // should block until it has something to report (a request, or closing).
  // Once it has reported `closed`, it is still called between steps (for
  // cancellations) and must then neither block nor add requests.
  virtual void Poll(bool wait, SourcePoll* out) = 0;
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_REQUEST_SOURCE_H_
