// The completion-channel waiter of one completion queue. A dedicated native thread sleeps in poll()
// on the channel's fd (plus an eventfd that asks it to stop) and, for each CQ event, acknowledges
// it and notifies JavaScript through a thread-safe function. JS then polls the CQ and rearms it on
// its own thread: nothing here blocks the event loop and nothing polls busily.
#pragma once
#include <infiniband/verbs.h>
#include <napi.h>

#include <memory>

#include "util/stoppable_thread.h"

namespace ndkv {

class CqEventThread {
 public:
  // Starts the waiter; each CQ event later calls `onEvent()` on the JS thread. Returns null and
  // sets `*err` to the errno when the thread or its eventfd cannot be made. The thread-safe
  // function starts unreferenced: an idle CQ does not keep the process alive.
  static std::unique_ptr<CqEventThread> Start(Napi::Env env, Napi::Function onEvent,
                                              ibv_comp_channel* channel, int* err);
  ~CqEventThread();

  // Wakes the thread, joins it and releases the thread-safe function. Idempotent; JS thread only
  // (including the environment's cleanup hook).
  void Stop();
  // Whether a pending notification keeps the event loop alive (Ref) or not (Unref). JS thread only.
  void SetRef(Napi::Env env, bool ref);

 private:
  CqEventThread() = default;
  void Run();

  ibv_comp_channel* channel_ = nullptr;
  StoppableThread thread_;
};

}  // namespace ndkv
