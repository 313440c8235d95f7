#include "verbs_objects.h"

#include <cerrno>

#include "cq_event_thread.h"

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

bool DeviceCore::HasLiveCqs() {
  PruneExpired(cqs);
  for (auto& weak : cqs) {
    auto cq = weak.lock();
    if (cq && cq->cq != nullptr) return true;
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

bool PdCore::HasLiveQpsOrMws() {
  PruneExpired(qps);
  PruneExpired(mws);
  for (auto& weak : qps) {
    auto qp = weak.lock();
    if (qp && qp->qp != nullptr) return true;
  }
  for (auto& weak : mws) {
    auto mw = weak.lock();
    if (mw && mw->mw != nullptr) return true;
  }
  return false;
}

CqCore::~CqCore() { Destroy(); }

bool CqCore::HasLiveQps() {
  PruneExpired(qps);
  for (auto& weak : qps) {
    auto qp = weak.lock();
    if (qp && qp->qp != nullptr) return true;
  }
  return false;
}

int CqCore::Destroy() {
  if (events) events->Stop();
  if (cq != nullptr) {
    int err = ibv_destroy_cq(cq);
    if (err != 0) return err;
    cq = nullptr;
  }
  if (channel != nullptr && ibv_destroy_comp_channel(channel) == 0) channel = nullptr;
  return 0;
}

QpCore::~QpCore() { Destroy(); }

int QpCore::ToError() {
  ibv_qp_attr attr = {};
  attr.qp_state = IBV_QPS_ERR;
  return ibv_modify_qp(qp, &attr, IBV_QP_STATE);
}

namespace {

int ToErrorThenDestroy(QpCore& core) {
  core.ToError();  // best effort: a QP that cannot change state is destroyed all the same
  return ibv_destroy_qp(core.qp);
}

}  // namespace

int QpCore::Destroy() {
  if (qp == nullptr) return 0;
  int err = ToErrorThenDestroy(*this);
  if (err == 0) qp = nullptr;
  return err;
}

void QpCore::BeginDeferredDestroy() {
  destroying = true;
  std::lock_guard<std::mutex> lock(mutex);
  destroyRunning = true;
}

int QpCore::RunDeferredDestroy() {
  int err = ToErrorThenDestroy(*this);
  {
    std::lock_guard<std::mutex> lock(mutex);
    destroyRunning = false;
    destroyResult = err;
  }
  idle.notify_all();
  return err;
}

// Also runs after teardown has taken the result (a completion that reaches an environment being
// torn down): applying it twice is harmless, and a failed destroy leaves `qp` as teardown left it.
void QpCore::FinishDeferredDestroy(int err) {
  destroying = false;
  if (err == 0) qp = nullptr;
}

void QpCore::AbandonDeferredDestroy() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    destroyRunning = false;
  }
  destroying = false;
}

void QpCore::WaitForDeferredDestroy() {
  if (!destroying) return;
  std::unique_lock<std::mutex> lock(mutex);
  idle.wait(lock, [this] { return !destroyRunning; });
  int err = destroyResult;
  lock.unlock();
  FinishDeferredDestroy(err);
}

MwCore::~MwCore() { Destroy(); }

int MwCore::Destroy() {
  if (mw == nullptr) return 0;
  int err = ibv_dealloc_mw(mw);
  if (err == 0) mw = nullptr;
  return err;
}

namespace {

// Verbs refused to deregister, so the registration may still point at the bytes: they are never
// freed (a leak, rather than a peer reaching memory that was reused).
void KeepForever(std::shared_ptr<void> memory) {
  static_cast<void>(new std::shared_ptr<void>(std::move(memory)));
}

}  // namespace

MrCore::~MrCore() {
  // Last reference gone while still registered (garbage collection without the facade's help):
  // release the registration rather than leak pinned pages. The members, `pinnedMemory` among
  // them, are destroyed after this body, so the bytes outlive the registration.
  if (mr != nullptr && ibv_dereg_mr(mr) != 0) KeepForever(std::move(pinnedMemory));
}

int MrCore::RunRegister(void* addr, size_t length, int access, std::shared_ptr<void> memory) {
  ibv_mr* created = ibv_reg_mr(pd->pd, addr, length, access);
  int err = created != nullptr ? 0 : errno;
  if (created == nullptr && err == 0) err = EINVAL;  // some providers fail without errno
  {
    std::lock_guard<std::mutex> lock(mutex);
    mr = created;
    if (created != nullptr) pinnedMemory = std::move(memory);
    state = created != nullptr ? MrState::kRegistered : MrState::kUnregistered;
  }
  idle.notify_all();
  return err;  // a failed registration's `memory` is released on return
}

int MrCore::RunDeregister() {
  // ibv_dereg_mr returns the error itself (not -1 + errno). On failure the region stays valid and
  // registered: the request may be retried. On success `mr` is freed and must never reach verbs
  // again, and its bytes may be freed.
  int err = ibv_dereg_mr(mr);
  std::shared_ptr<void> unpinned;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (err == 0) {
      mr = nullptr;
      unpinned = std::move(pinnedMemory);
    }
    state = err == 0 ? MrState::kUnregistered : MrState::kRegistered;
  }
  idle.notify_all();
  return err;  // `unpinned` is released on return, outside the lock
}

void MrCore::Destroy() {
  std::unique_lock<std::mutex> lock(mutex);
  idle.wait(lock,
            [this] { return state != MrState::kRegistering && state != MrState::kDeregistering; });
  if (mr != nullptr) {
    if (ibv_dereg_mr(mr) != 0) KeepForever(std::move(pinnedMemory));
    mr = nullptr;
  }
  pinnedMemory.reset();
  state = MrState::kDestroyed;
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
