// Deferred registrations and deregistrations of one environment. A few native threads of our own
// run the verbs calls, and their results reach JavaScript in batches: one JS call delivers every
// result that finished since the last delivery, instead of one libuv work item, one async-hooks
// resource and one callback scope per request. Under load (a thousand deregistrations issued at
// once) that per-request overhead, not verbs, was what limited throughput (see README,
// Performance). Dedicated threads, node-pty style, also keep slow verbs calls from queueing behind
// (or in front of) the libuv pool's file-system and crypto work.
#pragma once
#include <napi.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "memory_region.h"
#include "util/tagged_handle.h"
#include "util/tracked_tsfn.h"

namespace ndkv {

// One queue per loaded copy of the facade (a process may load the JS package more than once, e.g.
// a test runner's fresh module registry per file, while the addon is loaded once per environment).
class MrRequestQueue : public std::enable_shared_from_this<MrRequestQueue> {
 public:
  enum class Kind { kRegister, kDeregister, kDeregisterBatch };

  // The regions of one batch deregistration (mrDeregisterBatch): one job, one result, one delivery
  // for all of them. `cores[i]` is null for an entry that was refused before the batch was queued.
  // The request thread fills `errs` (0 or the errno of each ibv_dereg_mr) before it reports the
  // batch's result under the queue's mutex, which is what makes them visible to the JS thread.
  struct DeregisterBatch {
    std::vector<std::shared_ptr<MrCore>> cores;
    std::vector<int32_t> errs;
  };

  // One request. `core` stays alive while it runs; `addr`, `length` and `access` are plain copies
  // of the JS inputs, and a registration's `memory` owns those bytes until the core takes it over
  // (MrCore::RunRegister, with `keepOutOfForks`). A job holds nothing JavaScript owns.
  struct Job {
    uint32_t id = 0;
    Kind kind = Kind::kRegister;
    std::shared_ptr<MrCore> core;
    void* addr = nullptr;
    size_t length = 0;
    int access = 0;
    std::shared_ptr<void> memory = nullptr;
    bool keepOutOfForks = true;
    std::shared_ptr<DeregisterBatch> batch = nullptr;  // kDeregisterBatch only
  };

  MrRequestQueue() = default;
  MrRequestQueue(const MrRequestQueue&) = delete;
  MrRequestQueue& operator=(const MrRequestQueue&) = delete;
  ~MrRequestQueue();

  // JS thread, once: results are delivered as `dispatch(results, batchErrors)`, an Int32Array of
  // [id, errno, id, errno, …] pairs, in a later turn of the event loop than their requests. A batch
  // deregistration's pair has errno 0; its entries' errnos are in `batchErrors` (an Int32Array,
  // undefined when no batch is in the delivery), one batch after the other in the order of their
  // pairs, one errno per entry of each batch. `batchErrors` is a view of memory the next delivery
  // reuses: dispatch reads it during the call only.
  void Start(Napi::Env env, Napi::Function dispatch);
  // JS thread. Makes sure a thread will pick up the next job (starting one if none is idle): 0, or
  // ENOMEM when no thread runs and none can be started (a pid or thread limit, no memory). Call it
  // before the region's state moves, so a failure leaves nothing half done.
  int Reserve();
  // JS thread. Queues `job` (its regions already moved to a transient state; a kDeregisterBatch
  // job is one job, run by one thread, whose result is delivered once for the whole batch). Wakes
  // a thread only for the first job of a burst; Flush() wakes the rest. Never throws: false when
  // it could not queue the job (out of memory), the queue then unchanged, and the caller moves the
  // regions back out of their transient state.
  bool Submit(Job job);
  // JS thread, once after a burst of Submit() calls (the facade calls it on the next tick, or at
  // once after a batch): wakes as many sleeping threads as there are queued jobs, less the one the
  // burst's first job already woke if it has not started yet.
  void Flush();
  // JS thread. A batch of `count` entries (every core null, every errno 0) for a kDeregisterBatch
  // job, made of a delivered batch's memory when one is spare. A batch's vectors were the JS
  // thread's largest allocations per batch, and glibc consolidates its fast bins (the regions'
  // small chunks that request threads freed) at the first large allocation after such frees: a
  // tenth of a batch's time on the JS thread, counted.
  std::shared_ptr<DeregisterBatch> TakeBatch(size_t count);
  // JS thread (environment cleanup, or the queue's handle collected): runs every queued job, joins
  // the threads and drops what was never delivered. Afterwards no job is in flight and no region is
  // left in a transient state. Idempotent.
  void Shutdown();

 private:
  struct Result {
    uint32_t id;
    int err;
  };
  // What the JS thread keeps of a request until its result is delivered: for a batch, the errnos
  // the request thread filled in (null for a single request).
  struct InFlight {
    std::shared_ptr<DeregisterBatch> batch;
  };

  // Runs what is queued, then joins every thread (the queue takes no new work afterwards).
  void StopThreads();
  void RunJobs();
  // A request thread, without `mutex_`: asks the JS thread to deliver the results. False when out
  // of memory (nothing scheduled).
  bool ScheduleDelivery() noexcept;
  // `target` is weak: a delivery already scheduled may run after the queue was shut down and freed.
  static void Deliver(Napi::Env env, Napi::Function dispatch,
                      std::weak_ptr<MrRequestQueue>* target);
  // A view of `count` elements of `batchErrors_`, grown first if needed; an array of its own for a
  // delivery of more than kMaxSpareEntries errnos, which is not kept.
  Napi::Int32Array BatchErrors(Napi::Env env, size_t count);
  // Keeps a delivered batch's memory for TakeBatch(), when no request thread still holds it.
  void Recycle(std::shared_ptr<DeregisterBatch> batch);

  // Shared with the threads, under `mutex_`.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  // Its capacity covers every request in flight (Submit() reserves it), so a request thread never
  // allocates to report a result. Swapped with `delivering_` on delivery, which keeps both sizes.
  std::vector<Result> results_;
  // Threads running or about to run a job (not waiting): a new job wakes a thread only when none
  // is, since a futex wake per request costs more than a small deregistration itself.
  size_t awake_ = 0;
  // A thread was woken since the last Flush(): later jobs of the same burst wait for the flush (or
  // for a running thread), so a burst of a thousand requests costs one wake on the JS thread.
  bool wokeSinceFlush_ = false;
  // That thread has not woken yet: it is still counted as sleeping, and its job as waiting for one,
  // so Flush() must not wake a second thread for the same job.
  bool wokenNotRunning_ = false;
  bool deliveryScheduled_ = false;
  bool stopping_ = false;

  // Grown on the JS thread under `mutex_`, whose holders read its size.
  std::vector<std::thread> threads_;

  // JS thread only.
  Napi::Env env_{nullptr};
  std::unordered_map<uint32_t, InFlight> inFlight_;
  std::vector<Result> delivering_;  // the batch being delivered; capacity as `results_`
  // Delivered batches whose memory TakeBatch() reuses, and the array whose views deliver their
  // errnos (grown when a delivery needs more): no allocation per batch in the steady state. Neither
  // is kept beyond kMaxSpareEntries entries, so one huge batch does not hold its memory for good.
  static constexpr size_t kMaxSpareEntries = 1 << 16;
  std::vector<std::shared_ptr<DeregisterBatch>> spareBatches_;
  Napi::Reference<Napi::Int32Array> batchErrors_;
  TrackedTsfn deliver_;
  bool started_ = false;
};

#ifdef NDK_VERBS_TEST_HOOKS
// Test builds only: the next Submit() (of any queue) fails as if an allocation had thrown
// std::bad_alloc, after it started changing the queue.
void FailNextMrSubmitForTest();
#endif

// What a request-queue handle holds; collecting the handle shuts the queue down.
struct MrQueueBox {
  static constexpr napi_type_tag kTypeTag = TypeTagOf(HandleKind::kMrRequestQueue);
  static constexpr const char* kTypeName = HandleKindName(HandleKind::kMrRequestQueue);
  std::shared_ptr<MrRequestQueue> queue;
  ~MrQueueBox() { queue->Shutdown(); }
};

}  // namespace ndkv
