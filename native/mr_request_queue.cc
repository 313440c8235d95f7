// The request threads of the memory-region request queue, and the delivery of their results to
// JavaScript in batches (see mr_request_queue.h).
#include "mr_request_queue.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <new>
#include <system_error>

#include "util/thread_name.h"

namespace ndkv {

namespace {

// Registration and deregistration are CPU work in the kernel (pinning and unpinning pages), so
// threads beyond the CPU count only queue up on the same CPUs; two at least, so one slow request
// (rxe waits up to 0.2 s for packets still referencing a region) does not hold up the others.
size_t MaxThreads() {
  size_t cpus = std::thread::hardware_concurrency();
  return std::clamp<size_t>(cpus, 2, 8);
}

#ifdef NDK_VERBS_TEST_HOOKS
std::atomic<bool> failNextSubmit{false};

void MaybeFailSubmitForTest() {
  if (failNextSubmit.exchange(false)) throw std::bad_alloc();
}
#else
void MaybeFailSubmitForTest() {}
#endif

// A request thread, without the queue's mutex: the verbs calls of one job, 0 or the errno (a batch
// reports 0 and each entry's errno in its own `errs`). The regions are let go of here, off the JS
// thread: a core whose handle was collected meanwhile is freed by the thread that ran its request.
int RunJob(MrRequestQueue::Job& job) {
  int err = 0;
  switch (job.kind) {
    case MrRequestQueue::Kind::kRegister:
      err = job.core->RunRegister(job.addr, job.length, job.access, std::move(job.memory),
                                  job.keepOutOfForks);
      break;
    case MrRequestQueue::Kind::kDeregister:
      err = job.core->RunDeregister();
      break;
    case MrRequestQueue::Kind::kDeregisterBatch:
      for (size_t i = 0; i < job.batch->cores.size(); i++) {
        auto& core = job.batch->cores[i];
        if (core == nullptr) continue;
        job.batch->errs[i] = core->RunDeregister();
        core.reset();
      }
      break;
  }
  job.core.reset();
  return err;
}

}  // namespace

#ifdef NDK_VERBS_TEST_HOOKS
void FailNextMrSubmitForTest() { failNextSubmit.store(true); }
#endif

// Shutdown() (the environment cleanup hook, or the handle's finalizer) has normally joined every
// thread already.
MrRequestQueue::~MrRequestQueue() { StopThreads(); }

void MrRequestQueue::Start(Napi::Env env, Napi::Function dispatch) {
  // Referenced only while requests are in flight: an idle queue does not keep the process alive.
  deliver_.Start(env, dispatch, "ndk-verbs:mr");
  env_ = env;
  started_ = true;
}

int MrRequestQueue::Reserve() {
  if (!started_) throw Napi::Error::New(env_, "deferred memory-region requests are not started");
  std::lock_guard<std::mutex> lock(mutex_);
  // A waiting thread exists (it will be woken when there is work for it), or none may be added.
  if (awake_ < threads_.size() || threads_.size() >= MaxThreads()) return 0;
  try {
    threads_.emplace_back([this] { RunJobs(); });
  } catch (const std::exception&) {
    // No thread could be started (std::system_error at a pid or thread limit, or bad_alloc). A
    // thread already running takes the job once it is done with its own; with none, the request
    // cannot run.
    return threads_.empty() ? ENOMEM : 0;
  }
  ++awake_;
  return 0;
}

bool MrRequestQueue::Submit(Job job) {
  uint32_t id = job.id;
  InFlight request{job.batch};
  bool inserted = false;
  bool wake = false;
  try {
    // Room for every result in flight first: request threads then report results without
    // allocating, and the delivery swaps batches without allocating either.
    delivering_.reserve(inFlight_.size() + 1);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      results_.reserve(inFlight_.size() + 1);
    }
    inserted = inFlight_.try_emplace(id, std::move(request)).second;
    MaybeFailSubmitForTest();
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(std::move(job));
    wake = awake_ == 0 && !wokeSinceFlush_;
    if (wake) wokeSinceFlush_ = wokenNotRunning_ = true;
  } catch (const std::exception&) {
    // Out of memory: undo what was done, so the request leaves no trace.
    if (inserted) inFlight_.erase(id);
    return false;
  }
  if (inFlight_.size() == 1) deliver_.SetRef(env_, true);
  if (wake) wake_.notify_one();
  return true;
}

void MrRequestQueue::Flush() {
  size_t wakes;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t jobs = jobs_.size();
    size_t sleeping = threads_.size() - awake_;
    // The thread the burst's first job woke takes a job once it runs. (A thread woken spuriously
    // instead may clear the flag first: then one thread more than needed is woken, as before.)
    if (wokenNotRunning_ && jobs > 0 && sleeping > 0) {
      jobs--;
      sleeping--;
    }
    wokeSinceFlush_ = wokenNotRunning_ = false;
    wakes = std::min(jobs, sleeping);
  }
  for (size_t i = 0; i < wakes; i++) wake_.notify_one();
}

std::shared_ptr<MrRequestQueue::DeregisterBatch> MrRequestQueue::TakeBatch(size_t count) {
  std::shared_ptr<DeregisterBatch> batch;
  if (spareBatches_.empty()) {
    batch = std::make_shared<DeregisterBatch>();
  } else {
    batch = std::move(spareBatches_.back());
    spareBatches_.pop_back();
  }
  batch->cores.resize(count);  // every core null: a job resets each one it ran (RunJob)
  batch->errs.assign(count, 0);
  return batch;
}

void MrRequestQueue::Recycle(std::shared_ptr<DeregisterBatch> batch) {
  // Two spares cover a batch being delivered while the next is taken.
  constexpr size_t kMaxSpares = 2;
  if (batch.use_count() != 1 || spareBatches_.size() >= kMaxSpares ||
      batch->cores.capacity() > kMaxSpareEntries) {
    return;
  }
  spareBatches_.push_back(std::move(batch));
}

Napi::Int32Array MrRequestQueue::BatchErrors(Napi::Env env, size_t count) {
  if (count > kMaxSpareEntries) return Napi::Int32Array::New(env, count);
  size_t capacity = batchErrors_.IsEmpty() ? 0 : batchErrors_.Value().ElementLength();
  if (capacity < count) {
    size_t grown = std::min(std::max(count, 2 * capacity), kMaxSpareEntries);
    batchErrors_ = Napi::Persistent(Napi::Int32Array::New(env, grown));
  }
  return Napi::Int32Array::New(env, count, batchErrors_.Value().ArrayBuffer(), 0);
}

void MrRequestQueue::Shutdown() {
  StopThreads();
  results_.clear();
  inFlight_.clear();
  spareBatches_.clear();
  batchErrors_.Reset();
  deliver_.Release();
  started_ = false;
}

void MrRequestQueue::StopThreads() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();  // no thread is left to read it
}

void MrRequestQueue::RunJobs() {
  NameThisThread(kMrRequestThreadName);
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    while (jobs_.empty() && !stopping_) {
      --awake_;
      wake_.wait(lock);
      ++awake_;
      wokenNotRunning_ = false;
    }
    // Stopping still runs what is queued: a region whose job never ran would stay in a transient
    // state, and teardown would wait for it forever.
    if (jobs_.empty()) {
      --awake_;
      return;
    }
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    // A backlog and a sleeping thread: wake it from here, off the JS thread, so the backlog runs
    // in parallel.
    bool helpWanted = !jobs_.empty() && awake_ < threads_.size();
    lock.unlock();
    if (helpWanted) wake_.notify_one();
    int err = RunJob(job);
    lock.lock();
    results_.push_back({job.id, err});  // within the capacity Submit() reserved
    // One delivery is scheduled at a time; it takes every result present when it runs.
    if (deliveryScheduled_ || stopping_) continue;
    deliveryScheduled_ = true;
    lock.unlock();
    // Out of memory: try again shortly, since the results must reach JS (their regions' promises
    // wait for them); Shutdown() stops the wait and drops them.
    while (!ScheduleDelivery()) {
      lock.lock();
      bool stop = wake_.wait_for(lock, std::chrono::milliseconds(10), [this] { return stopping_; });
      lock.unlock();
      if (stop) break;
    }
    lock.lock();
  }
}

bool MrRequestQueue::ScheduleDelivery() noexcept {
  try {
    auto target = std::make_unique<std::weak_ptr<MrRequestQueue>>(weak_from_this());
    // Fails only once the environment is closing; Shutdown() then drops the results.
    if (deliver_.NonBlockingCall(target.get(), Deliver) == napi_ok) target.release();
    return true;
  } catch (const std::exception&) {
    return false;  // the wrapper node-addon-api allocates for the call, or the target
  }
}

// On the JS thread. Hands the whole delivery to JS in one call through plain Node-API: an exception
// thrown by the dispatcher stays pending and Node reports it as an uncaught exception.
void MrRequestQueue::Deliver(Napi::Env env, Napi::Function dispatch,
                             std::weak_ptr<MrRequestQueue>* target) {
  std::shared_ptr<MrRequestQueue> self = target->lock();
  delete target;
  if (self == nullptr || env == nullptr || dispatch.IsEmpty()) return;  // shut down, or going away
  std::vector<Result>& batch = self->delivering_;
  {
    std::lock_guard<std::mutex> lock(self->mutex_);
    batch.swap(self->results_);  // both keep room for every request in flight
    self->deliveryScheduled_ = false;
  }
  if (batch.empty()) return;
  // Batch deregistrations carry one errno per entry, all of them in one array.
  size_t entries = 0;
  for (const Result& result : batch) {
    auto it = self->inFlight_.find(result.id);
    if (it != self->inFlight_.end() && it->second.batch != nullptr) {
      entries += it->second.batch->errs.size();
    }
  }
  auto results = Napi::Int32Array::New(env, batch.size() * 2);
  Napi::Value batchErrors = env.Undefined();
  int32_t* errors = nullptr;
  if (entries > 0) {
    auto array = self->BatchErrors(env, entries);
    errors = array.Data();
    batchErrors = array;
  }
  for (size_t i = 0; i < batch.size(); i++) {
    auto it = self->inFlight_.find(batch[i].id);
    if (it != self->inFlight_.end()) {
      if (it->second.batch != nullptr) {
        const std::vector<int32_t>& errs = it->second.batch->errs;
        errors = std::copy(errs.begin(), errs.end(), errors);
        self->Recycle(std::move(it->second.batch));
      }
      self->inFlight_.erase(it);
    }
    results[2 * i] = static_cast<int32_t>(batch[i].id);
    results[2 * i + 1] = batch[i].err;
  }
  batch.clear();
  if (self->inFlight_.empty()) self->deliver_.SetRef(env, false);
  napi_value argv[] = {results, batchErrors};
  napi_value ignored;
  napi_call_function(env, env.Undefined(), dispatch, 2, argv, &ignored);
}

}  // namespace ndkv
