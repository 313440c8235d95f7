// A completion queue with its completion channel and the thread that waits on it
// (cq_event_thread.h), a child of a device. Queue pairs complete into it and include this header.
#pragma once
#include <infiniband/verbs.h>
#include <napi.h>

#include <memory>
#include <vector>

#include "device.h"
#include "util/tagged_handle.h"

namespace ndkv {

class CqEventThread;
struct QpCore;

// Lives on the JS thread only (creation, polling, arming and destruction all happen there).
struct CqCore {
  ibv_comp_channel* channel = nullptr;
  ibv_cq* cq = nullptr;  // null once destroyed
  std::shared_ptr<DeviceCore> device;
  std::unique_ptr<CqEventThread> events;
  std::vector<std::weak_ptr<QpCore>> qps;  // queue pairs that complete into this CQ
  ~CqCore();
  bool HasLiveQps();
  // Stops the waiter thread first (it must not touch a destroyed channel), then destroys the CQ and
  // the channel. Returns 0 or the errno of ibv_destroy_cq (the CQ then stays, without its waiter).
  int Destroy();
  // For good (environment teardown, or the last reference gone): Destroy(), and whatever verbs
  // refused is let go all the same. A CQ that cannot be destroyed (EBUSY: a queue pair that could
  // not be destroyed still completes into it) keeps its channel busy, and the channel's fd would
  // stay open: on rxe an open uverbs fd keeps the device from being removed. The fd is closed
  // instead; the kernel frees the CQ when the context closes. Afterwards both pointers are null.
  void Release();
};

using CqBox = CoreBox<CqCore, HandleKind::kCompletionQueue>;

// Exports cqCreate, cqArm, cqPoll, cqRef and cqDestroy.
void InitCompletionQueue(Napi::Env env, Napi::Object exports);

}  // namespace ndkv
