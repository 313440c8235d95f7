// The asynchronous-event reader of one open device. A dedicated native thread (as for completion
// channels: blocking reads never go to the libuv pool) sleeps in poll() on three things:
// - the context's async event fd: each verbs event (port up/down, QP and CQ errors, ...) is copied,
//   acknowledged at once (destroying a QP or CQ waits until its events are acknowledged), and
//   handed to JavaScript;
// - an inotify watch on /dev/infiniband: when the device is being removed, the kernel deletes its
//   uverbsN node first and then waits until every process lets go of the device (rxe cannot
//   disassociate). That deletion is the one sign a process gets; it is reported as a removal;
// - an eventfd that asks the thread to stop.
// The node's existence is also checked once a second, for a /dev that inotify cannot watch. After a
// removal (or IBV_EVENT_DEVICE_FATAL) the thread reads nothing more and only waits for Stop().
#pragma once
#include <infiniband/verbs.h>
#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>

#include "util/stoppable_thread.h"

namespace ndkv {

// The `type` JS receives for a removal seen through /dev/infiniband (verbs event types are >= 0).
constexpr int kDeviceRemovedEvent = -1;

class DeviceEventThread {
 public:
  // Starts the reader for `context`, whose character device is /dev/infiniband/<uverbsName>. Each
  // event later calls `onEvent(type, element)` on the JS thread: `element` is the port number for
  // port events, the QP number for QP events, the CQ's id (its cq_context) for CQ events, else 0.
  // Returns null and sets `*err` on failure. The thread-safe function is unreferenced: an idle
  // adapter does not keep the process alive.
  static std::unique_ptr<DeviceEventThread> Start(Napi::Env env, Napi::Function onEvent,
                                                  ibv_context* context, std::string uverbsName,
                                                  int* err);
  ~DeviceEventThread();

  // Wakes the thread, joins it and releases the thread-safe function. Idempotent; JS thread only
  // (including the environment's cleanup hook). Must run before the context is closed.
  void Stop();

 private:
  DeviceEventThread() = default;
  void Run();
  bool ReadVerbsEvent();
  bool NodeGone() const;
  bool Deliver(int type, uint32_t element);

  ibv_context* context_ = nullptr;
  std::string uverbsName_;
  int inotifyFd_ = -1;
  StoppableThread thread_;
};

}  // namespace ndkv
