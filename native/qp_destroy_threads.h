// The queue-pair destroys of one environment, on native threads of their own. On rxe,
// ibv_destroy_qp waits in the kernel (about 50 s) while a type 2 memory window is still bound
// through the queue pair; on the libuv pool, whose four threads also serve fs, dns, crypto and
// zlib, a few such destroys would starve all of them. Here a stuck destroy holds only one of our
// own threads (node-pty style), and each result reaches JavaScript through a thread-safe function.
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

#include "util/tracked_tsfn.h"

namespace ndkv {

struct QpCore;

class QpDestroyThreads : public std::enable_shared_from_this<QpDestroyThreads> {
 public:
  QpDestroyThreads() = default;
  QpDestroyThreads(const QpDestroyThreads&) = delete;
  QpDestroyThreads& operator=(const QpDestroyThreads&) = delete;
  ~QpDestroyThreads();

  // JS thread. Destroys `core` (already in BeginDeferredDestroy) on one of the threads, starting
  // one if none is idle and the limit allows; `done(errno)` is called on the JS thread in a later
  // turn of the event loop, after the core has taken the result. May throw (a thread or the
  // thread-safe function cannot be made); it then leaves nothing queued.
  void Submit(Napi::Env env, std::shared_ptr<QpCore> core, Napi::Function done);

  // JS thread (the environment cleanup hook, after every queue pair's destroy was waited for):
  // runs what is still queued, joins the threads, applies what was never delivered to its core and
  // drops the callbacks. Idempotent.
  void Shutdown();

 private:
  struct Job {
    uint32_t id;
    std::shared_ptr<QpCore> core;
  };
  struct Result {
    uint32_t id;
    int err;
  };
  // One result on its way to the JS thread.
  struct Delivery {
    std::weak_ptr<QpDestroyThreads> target;
    uint32_t id;
    int err;
  };
  // What the JS thread keeps of a destroy until its result is delivered. The core is held here so
  // that its last reference is dropped on the JS thread, after FinishDeferredDestroy has cleared
  // its `qp` (a destructor elsewhere would destroy the QP a second time).
  struct InFlight {
    std::shared_ptr<QpCore> core;
    Napi::FunctionReference done;
  };

  void StopThreads();
  void Run();
  // The environment cleanup hook registered after the thread-safe function (see the .cc).
  static void StopDelivering(void* self);
  // The delivery's target is weak: a delivery already scheduled may run after a shutdown.
  static void Deliver(Napi::Env env, Napi::Function unused, Delivery* delivery);

  // Shared with the threads, under `mutex_`.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  std::vector<Result> results_;
  size_t idle_ = 0;  // threads waiting for a job
  bool deliveryScheduled_ = false;
  bool stopping_ = false;
  bool delivering_ = true;            // false once Node may free the thread-safe function
  std::vector<std::thread> threads_;  // grown on the JS thread under `mutex_`

  // JS thread only.
  std::unordered_map<uint32_t, InFlight> inFlight_;
  uint32_t nextId_ = 1;
  TrackedTsfn deliver_;
  bool started_ = false;
};

}  // namespace ndkv
