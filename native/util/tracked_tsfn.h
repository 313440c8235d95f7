// A thread-safe function that knows whether Node has closed it. At environment teardown Node may
// finalize a thread-safe function before our cleanup hook runs, and one that is closed must not be
// released, referenced or unreferenced again. Shared by the CQ waiter threads and the memory-region
// request queue.
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>
#include <utility>

namespace ndkv {

class TrackedTsfn {
 public:
  // Wraps `fn` for calls from other threads. Starts unreferenced: a thread-safe function that
  // nothing is waiting on must not keep the process alive.
  void Start(Napi::Env env, Napi::Function fn, const char* name) {
    tsfn_ = Napi::ThreadSafeFunction::New(env, fn, name, 0, 1, new Flag(finalized_), MarkFinalized,
                                          static_cast<void*>(nullptr));
    tsfn_.Unref(env);
  }

  // Whether it can still be referenced, unreferenced or released by us.
  bool Open() const {
    return static_cast<napi_threadsafe_function>(tsfn_) != nullptr && !released_ &&
           !finalized_->load();
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

  // Any thread. Fails (napi_closing) once the environment is going away.
  template <typename... Args>
  napi_status NonBlockingCall(Args&&... args) const {
    return tsfn_.NonBlockingCall(std::forward<Args>(args)...);
  }

 private:
  using Flag = std::shared_ptr<std::atomic<bool>>;

  static void MarkFinalized(Napi::Env, void*, Flag* flag) {
    (*flag)->store(true);
    delete flag;
  }

  Napi::ThreadSafeFunction tsfn_;
  Flag finalized_ = std::make_shared<std::atomic<bool>>(false);
  bool released_ = false;
};

}  // namespace ndkv
