// Protection domains: allocation and deallocation, always inline, and the checks that keep a
// domain from being deallocated under its children.
#include "protection_domain.h"

#include <cerrno>
#include <mutex>

#include "memory_region.h"
#include "memory_window.h"
#include "queue_pair.h"
#include "util/export_function.h"
#include "util/make_core.h"
#include "util/result_codes.h"
#include "util/weak_list.h"

namespace ndkv {

PdCore::~PdCore() {
  if (pd != nullptr) ibv_dealloc_pd(pd);
}

bool PdCore::HasBusyMrs() {
  for (auto& weak : mrs) {
    auto mr = weak.lock();
    if (!mr) continue;
    std::lock_guard<std::mutex> lock(mr->Mutex());
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

namespace {

// (device) → handle | errno | NativeResult
Napi::Value AllocPd(const Napi::CallbackInfo& info) {
  auto& device = UnwrapHandle<DeviceBox>(info[0])->core;
  Napi::Env env = info.Env();
  if (device->context == nullptr) return Napi::Number::New(env, kGone);
  // The core first: if anything after the allocation throws, ~PdCore deallocates the PD.
  auto core = MakeCore<PdCore>();
  ibv_pd* pd = ibv_alloc_pd(device->context);
  if (pd == nullptr) return Napi::Number::New(env, errno != 0 ? errno : ENOMEM);
  core->pd = pd;
  core->device = device;
  AppendPruning(device->pds, core);
  return NewHandle(env, new PdBox{core});
}

// (pd) → 0 | errno | NativeResult
Napi::Value DeallocPd(const Napi::CallbackInfo& info) {
  auto& core = UnwrapHandle<PdBox>(info[0])->core;
  Napi::Env env = info.Env();
  if (core->pd == nullptr) return Napi::Number::New(env, kGone);
  // A registration in flight would otherwise race the deallocation on its request thread.
  if (core->HasBusyMrs()) return Napi::Number::New(env, EBUSY);
  // Verbs would refuse too, but a QP or window that outlived its PD would then be destroyed by
  // a finalizer after the PD: refuse here so the order stays children first.
  if (core->HasLiveQpsOrMws()) return Napi::Number::New(env, EBUSY);
  int err = ibv_dealloc_pd(core->pd);
  if (err == 0) core->pd = nullptr;
  return Napi::Number::New(env, err);
}

}  // namespace

void InitProtectionDomain(Napi::Env env, Napi::Object exports) {
  ExportFunction<AllocPd>(env, exports, "pdAlloc");
  ExportFunction<DeallocPd>(env, exports, "pdDealloc");
}

}  // namespace ndkv
