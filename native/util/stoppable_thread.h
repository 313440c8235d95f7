// A dedicated native thread that sleeps in poll() on descriptors of its owner's plus an eventfd
// that asks it to stop, and reports to JavaScript through a thread-safe function: the shape of the
// completion-queue waiters and of the device event readers (blocking event channels stay off the
// libuv pool).
#pragma once
#include <napi.h>

#include <functional>
#include <thread>

#include "tracked_tsfn.h"

namespace ndkv {

class StoppableThread {
 public:
  StoppableThread() = default;
  StoppableThread(const StoppableThread&) = delete;
  StoppableThread& operator=(const StoppableThread&) = delete;
  ~StoppableThread() { Stop(); }

  // Makes `watchedFd` non-blocking (so a spurious wake-up makes the read fail with EAGAIN instead
  // of hanging the thread where Stop() could not reach it), creates the stop eventfd, starts the
  // thread-safe function (unreferenced) and the thread running `run`. 0 or the errno.
  int Start(Napi::Env env, Napi::Function onEvent, const char* name, int watchedFd,
            std::function<void()> run);

  // Wakes the thread, joins it, releases the thread-safe function and closes the eventfd (now,
  // not later: the owner may outlive the stop until its JS object is collected). Idempotent; JS
  // thread only (including the environment's cleanup hook).
  void Stop();

  // The eventfd `run` polls for POLLIN: readable once Stop() was asked.
  int StopFd() const { return stopFd_; }
  TrackedTsfn& Tsfn() { return tsfn_; }

 private:
  int stopFd_ = -1;
  TrackedTsfn tsfn_;
  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace ndkv
