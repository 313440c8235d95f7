// Environment teardown: the cleanup hook and the release of each device's tree of verbs objects,
// children first (see teardown.h).
#include "teardown.h"

#include <infiniband/verbs.h>

#include <memory>
#include <vector>

#include "addon_data.h"
#include "completion_queue.h"
#include "device.h"
#include "memory_region.h"
#include "memory_window.h"
#include "mr_request_queue.h"
#include "protection_domain.h"
#include "qp_destroy_threads.h"
#include "queue_pair.h"

namespace ndkv {

void ReleaseEnvironment(AddonData* data) {
  // First every deferred request runs to its end, so no region is left in a transient state.
  for (auto& weak : data->mrQueues) {
    if (auto queue = weak.lock()) queue->Shutdown();
  }
  std::vector<std::shared_ptr<DeviceCore>> devices;
  for (auto& weak : data->devices) {
    if (auto device = weak.lock()) devices.push_back(device);
  }
  // Every window of every device before any queue pair: a queue-pair destroy already in flight on
  // one device may sit on a destroy thread in front of another device's, and waits for its windows.
  for (auto& device : devices) DestroyWindows(*device);
  for (auto& device : devices) DestroyDeviceTree(*device);
  // No destroy is in flight any more (each queue pair's was waited for): the threads can go.
  if (data->qpDestroys) data->qpDestroys->Shutdown();
}

namespace {

std::vector<std::shared_ptr<PdCore>> LivePds(DeviceCore& device) {
  std::vector<std::shared_ptr<PdCore>> pds;
  for (auto& weakPd : device.pds) {
    if (auto pd = weakPd.lock()) pds.push_back(pd);
  }
  return pds;
}

}  // namespace

void DestroyWindows(DeviceCore& device) {
  for (auto& pd : LivePds(device)) {
    for (auto& weakMw : pd->mws) {
      if (auto mw = weakMw.lock()) {
        mw->Destroy();
        mw->mw = nullptr;
      }
    }
  }
}

// Every pointer is cleared after its release was attempted, even when verbs refused: the device
// context is closed at the end (which frees all its objects in the kernel), and no later finalizer
// may reach verbs with a pointer into it. A refused release leaks; it never touches freed memory.
void DestroyDeviceTree(DeviceCore& device) {
  std::vector<std::shared_ptr<PdCore>> pds = LivePds(device);
  // Windows first: rxe's ibv_destroy_qp waits ~50 s for a window still bound through the queue
  // pair, and a bound window makes ibv_dereg_mr fail.
  DestroyWindows(device);
  for (auto& pd : pds) {
    for (auto& weakQp : pd->qps) {
      if (auto qp = weakQp.lock()) {
        qp->WaitForDeferredDestroy();
        qp->Destroy();
        qp->qp = nullptr;
      }
    }
  }
  for (auto& pd : pds) {
    for (auto& weakMr : pd->mrs) {
      if (auto mr = weakMr.lock()) mr->Destroy();
    }
  }
  for (auto& weakCq : device.cqs) {
    if (auto cq = weakCq.lock()) cq->Release();
  }
  for (auto& pd : pds) {
    if (pd->pd != nullptr) {
      ibv_dealloc_pd(pd->pd);
      pd->pd = nullptr;
    }
  }
  device.CloseContext();
  device.context = nullptr;  // even if verbs refused: nothing may reach into it any more
}

}  // namespace ndkv
