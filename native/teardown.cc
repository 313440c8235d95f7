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
#include "queue_pair.h"

namespace ndkv {

void ReleaseEnvironment(AddonData* data) {
  // First every deferred request runs to its end, so no region is left in a transient state.
  for (auto& weak : data->mrQueues) {
    if (auto queue = weak.lock()) queue->Shutdown();
  }
  for (auto& weak : data->devices) {
    if (auto device = weak.lock()) DestroyDeviceTree(*device);
  }
}

// Every pointer is cleared after its release was attempted, even when verbs refused: the device
// context is closed at the end (which frees all its objects in the kernel), and no later finalizer
// may reach verbs with a pointer into it. A refused release leaks; it never touches freed memory.
void DestroyDeviceTree(DeviceCore& device) {
  std::vector<std::shared_ptr<PdCore>> pds;
  for (auto& weakPd : device.pds) {
    if (auto pd = weakPd.lock()) pds.push_back(pd);
  }
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
    for (auto& weakMw : pd->mws) {
      if (auto mw = weakMw.lock()) {
        mw->Destroy();
        mw->mw = nullptr;
      }
    }
  }
  for (auto& pd : pds) {
    for (auto& weakMr : pd->mrs) {
      if (auto mr = weakMr.lock()) mr->Destroy();
    }
  }
  for (auto& weakCq : device.cqs) {
    if (auto cq = weakCq.lock()) {
      cq->Destroy();
      cq->cq = nullptr;
      cq->channel = nullptr;
    }
  }
  for (auto& pd : pds) {
    if (pd->pd != nullptr) {
      ibv_dealloc_pd(pd->pd);
      pd->pd = nullptr;
    }
  }
  if (device.context != nullptr) {
    ibv_close_device(device.context);
    device.context = nullptr;
  }
}

}  // namespace ndkv
