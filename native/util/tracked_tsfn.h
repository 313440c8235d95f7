// A thread-safe function that knows whether Node has closed it. At environment teardown Node
// finalizes a thread-safe function (and frees it) before our cleanup hook stops the threads that
// call it: one that is closed must not be called, released, referenced or unreferenced again.
// Calls from other threads and Node's finalization are serialized by a mutex, so a thread never
// calls into a function Node is freeing. Shared by the CQ waiters, the device event readers, the
// memory-region request queue and the queue-pair destroy threads.
#pragma once
#include <napi.h>

#include <memory>
#include <mutex>
#include <utility>

namespace ndkv {

class TrackedTsfn {
 public:
  // Wraps `fn` for calls from other threads. Starts unreferenced: a thread-safe function that
  // nothing is waiting on must not keep the process alive.
  void Start(Napi::Env env, Napi::Function fn, const char* name) {
    tsfn_ = Napi::ThreadSafeFunction::New(env, fn, name, 0, 1, new Shared(state_), MarkFinalized,
                                          static_cast<void*>(nullptr));
    tsfn_.Unref(env);
  }

  // Whether it can still be referenced, unreferenced or released by us.
  bool Open() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return static_cast<napi_threadsafe_function>(tsfn_) != nullptr && !released_ &&
           !state_->finalized;
  }

  // JS thread only. Whether a pending call keeps the event loop alive.
  void SetRef(Napi::Env env, bool ref) {
    if (!Open()) return;
    if (ref) {
      tsfn_.Ref(env);
    } else {
      tsfn_.Unref(env);
    }
  }

  // Idempotent; nothing to do for one never started or already closed by Node.
  void Release() {
    if (!Open()) return;
    released_ = true;
    tsfn_.Release();
  }

  // Any thread. Fails (napi_closing) once the environment is going away, without touching a
  // function Node has finalized.
  template <typename... Args>
  napi_status NonBlockingCall(Args&&... args) const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->finalized || static_cast<napi_threadsafe_function>(tsfn_) == nullptr) {
      return napi_closing;
    }
    return tsfn_.NonBlockingCall(std::forward<Args>(args)...);
  }

 private:
  struct State {
    std::mutex mutex;
    bool finalized = false;
  };
  using Shared = std::shared_ptr<State>;

  // On the JS thread, before Node frees the function: from here on no call reaches it.
  static void MarkFinalized(Napi::Env, void*, Shared* state) {
    {
      std::lock_guard<std::mutex> lock((*state)->mutex);
      (*state)->finalized = true;
    }
    delete state;
  }

  Napi::ThreadSafeFunction tsfn_;
  Shared state_ = std::make_shared<State>();
  bool released_ = false;
};

}  // namespace ndkv
