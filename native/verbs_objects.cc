#include "verbs_objects.h"

#include <cerrno>

namespace ndkv {

DeviceCore::~DeviceCore() {
  if (context != nullptr) ibv_close_device(context);
}

bool DeviceCore::HasLivePds() {
  PruneExpired(pds);
  for (auto& weak : pds) {
    auto pd = weak.lock();
    if (pd && pd->pd != nullptr) return true;
  }
  return false;
}

PdCore::~PdCore() {
  if (pd != nullptr) ibv_dealloc_pd(pd);
}

bool PdCore::HasBusyMrs() {
  PruneExpired(mrs);
  for (auto& weak : mrs) {
    auto mr = weak.lock();
    if (!mr) continue;
    std::lock_guard<std::mutex> lock(mr->mutex);
    if (mr->state != MrState::kUnregistered && mr->state != MrState::kDestroyed) return true;
  }
  return false;
}

MrCore::~MrCore() {
  // Last reference gone while still registered (garbage collection without the facade's help):
  // release the registration rather than leak pinned pages.
  if (mr != nullptr) ibv_dereg_mr(mr);
}

int MrCore::RunRegister(void* addr, size_t length, int access) {
  ibv_mr* created = ibv_reg_mr(pd->pd, addr, length, access);
  int err = created != nullptr ? 0 : errno;
  if (created == nullptr && err == 0) err = EINVAL;  // some providers fail without errno
  {
    std::lock_guard<std::mutex> lock(mutex);
    mr = created;
    state = created != nullptr ? MrState::kRegistered : MrState::kUnregistered;
  }
  idle.notify_all();
  return err;
}

int MrCore::RunDeregister() {
  // ibv_dereg_mr returns the error itself (not -1 + errno). On failure the region stays valid and
  // registered: the request may be retried. On success `mr` is freed and must never reach verbs
  // again.
  int err = ibv_dereg_mr(mr);
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (err == 0) mr = nullptr;
    state = err == 0 ? MrState::kUnregistered : MrState::kRegistered;
  }
  idle.notify_all();
  return err;
}

void MrCore::Destroy() {
  std::unique_lock<std::mutex> lock(mutex);
  idle.wait(lock,
            [this] { return state != MrState::kRegistering && state != MrState::kDeregistering; });
  if (mr != nullptr) {
    ibv_dereg_mr(mr);
    mr = nullptr;
  }
  state = MrState::kDestroyed;
}

void DestroyDeviceTree(DeviceCore& device) {
  for (auto& weakPd : device.pds) {
    auto pd = weakPd.lock();
    if (!pd) continue;
    for (auto& weakMr : pd->mrs) {
      if (auto mr = weakMr.lock()) mr->Destroy();
    }
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
