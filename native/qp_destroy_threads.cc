// The queue-pair destroy threads and the delivery of their results (see qp_destroy_threads.h).
#include "qp_destroy_threads.h"

#include <algorithm>
#include <system_error>
#include <utility>

#include "queue_pair.h"
#include "util/thread_name.h"

namespace ndkv {

namespace {

// A stuck destroy sleeps in the kernel and costs no CPU, but destroys are rare: as many threads as
// CPUs (two at least, so one stuck destroy does not hold up the next), never more than eight.
size_t MaxThreads() {
  size_t cpus = std::thread::hardware_concurrency();
  return std::clamp<size_t>(cpus, 2, 8);
}

}  // namespace

// Shutdown() (the environment cleanup hook) has normally joined every thread already.
QpDestroyThreads::~QpDestroyThreads() { StopThreads(); }

void QpDestroyThreads::Submit(Napi::Env env, std::shared_ptr<QpCore> core, Napi::Function done) {
  if (!started_) {
    // No JavaScript function of its own: each result calls the `done` of its request.
    deliver_.Start(env, Napi::Function(), "ndk-verbs:qp");
    // Registered after the thread-safe function, so it runs before Node's hook that frees it.
    napi_add_env_cleanup_hook(env, StopDelivering, this);
    started_ = true;
  }
  uint32_t id = nextId_++;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) throw Napi::Error::New(env, "the environment is shutting down");
    if (idle_ == 0 && threads_.size() < MaxThreads()) {
      try {
        threads_.emplace_back([this] { Run(); });
      } catch (const std::system_error& error) {
        throw Napi::Error::New(env, error.what());  // nothing is queued yet
      }
    }
    jobs_.push_back({id, core});
  }
  // A destroy in flight keeps the process alive, as libuv work would.
  if (inFlight_.empty()) deliver_.SetRef(env, true);
  inFlight_.emplace(id, InFlight{std::move(core), Napi::Persistent(done)});
  wake_.notify_one();
}

void QpDestroyThreads::Shutdown() {
  StopThreads();
  // Every destroy has run; the results that were never delivered still reach their cores, on this
  // thread, so each core's `qp` is cleared before its last reference goes.
  std::vector<Result> undelivered;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    undelivered.swap(results_);
  }
  for (const Result& result : undelivered) {
    auto it = inFlight_.find(result.id);
    if (it != inFlight_.end()) it->second.core->FinishDeferredDestroy(result.err);
  }
  for (auto& [id, flight] : inFlight_) flight.core->WaitForDeferredDestroy();
  inFlight_.clear();
  deliver_.Release();
}

void QpDestroyThreads::StopThreads() {
  std::vector<std::thread> stopping;  // no thread reads `threads_`; Submit() refuses from now on
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    stopping.swap(threads_);
  }
  wake_.notify_all();
  for (auto& thread : stopping) thread.join();
}

void QpDestroyThreads::Run() {
  NameThisThread(kQpDestroyThreadName);
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    ++idle_;
    wake_.wait(lock, [this] { return !jobs_.empty() || stopping_; });
    --idle_;
    // Stopping still runs what is queued: a queue pair whose destroy never ran would keep teardown
    // waiting for it.
    if (jobs_.empty()) return;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    int err = job.core->RunDeferredDestroy();
    job.core.reset();  // the JS thread holds the core until the result is applied
    lock.lock();
    results_.push_back({job.id, err});
    if (stopping_ || !delivering_) continue;  // Shutdown() applies it
    // Under `mutex_`, so StopDelivering() knows no thread is inside the call once it holds it.
    // Fails only once the environment is closing; Shutdown() then applies the result.
    auto* delivery = new Delivery{weak_from_this(), job.id, err};
    if (deliver_.NonBlockingCall(delivery, Deliver) != napi_ok) delete delivery;
  }
}

// Node frees a thread-safe function at environment teardown, while a destroy may still be running
// (teardown deallocates the windows that hold it only later): from here on no thread calls it.
void QpDestroyThreads::StopDelivering(void* self) {
  auto* threads = static_cast<QpDestroyThreads*>(self);
  std::lock_guard<std::mutex> lock(threads->mutex_);
  threads->delivering_ = false;
}

// On the JS thread: applies one result to its core, then calls its `done(errno)` through plain
// Node-API, so an exception it throws stays pending and Node reports it as uncaught.
void QpDestroyThreads::Deliver(Napi::Env env, Napi::Function /*unused*/, Delivery* delivery) {
  std::shared_ptr<QpDestroyThreads> self = delivery->target.lock();
  uint32_t id = delivery->id;
  int err = delivery->err;
  delete delivery;
  if (self == nullptr || env == nullptr) return;  // shut down, or going away
  {
    std::lock_guard<std::mutex> lock(self->mutex_);
    auto it = std::find_if(self->results_.begin(), self->results_.end(),
                           [id](const Result& result) { return result.id == id; });
    if (it == self->results_.end()) return;  // Shutdown() took it
    self->results_.erase(it);
  }
  auto flight = self->inFlight_.find(id);
  if (flight == self->inFlight_.end()) return;
  InFlight taken = std::move(flight->second);
  self->inFlight_.erase(flight);
  if (self->inFlight_.empty()) self->deliver_.SetRef(env, false);
  // The core first: the callback may throw.
  taken.core->FinishDeferredDestroy(err);
  taken.core.reset();
  napi_value argv[] = {Napi::Number::New(env, err)};
  napi_value ignored;
  napi_call_function(env, env.Undefined(), taken.done.Value(), 1, argv, &ignored);
}

}  // namespace ndkv
