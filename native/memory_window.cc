// Memory windows: remote access to part of a registered region under a token of their own, which
// can be revoked (invalidated) without deregistering the region. Type 2 only: rxe supports it, and
// it is bound on a queue pair like any other work request, which keeps ordering with the traffic.
#include "memory_window.h"

#include <cerrno>

#include "util/export_function.h"
#include "util/make_core.h"
#include "util/result_codes.h"
#include "util/weak_list.h"

namespace ndkv {

MwCore::~MwCore() { Destroy(); }

int MwCore::Destroy() {
  if (mw == nullptr) return 0;
  int err = ibv_dealloc_mw(mw);
  if (err == 0) mw = nullptr;
  return err;
}

namespace {

// (pd) → handle | errno | NativeResult. Type 2 windows: bound and invalidated by work requests.
Napi::Value AllocMw(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& pd = UnwrapHandle<PdBox>(info[0])->core;
  if (pd->pd == nullptr) return Napi::Number::New(env, kGone);
  // The core first: if anything after the allocation throws, ~MwCore deallocates the window.
  auto core = MakeCore<MwCore>();
  ibv_mw* mw = ibv_alloc_mw(pd->pd, IBV_MW_TYPE_2);
  if (mw == nullptr) return Napi::Number::New(env, errno != 0 ? errno : EOPNOTSUPP);
  core->mw = mw;
  core->pd = pd;
  AppendPruning(pd->mws, core);
  return NewHandle(env, new MwBox{core});
}

// (mw) → 0 | errno | NativeResult. Deallocating a bound window also unbinds it.
Napi::Value DeallocMw(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& core = UnwrapHandle<MwBox>(info[0])->core;
  if (core->mw == nullptr) return Napi::Number::New(env, kGone);
  return Napi::Number::New(env, core->Destroy());
}

}  // namespace

void InitMemoryWindow(Napi::Env env, Napi::Object exports) {
  ExportFunction<AllocMw>(env, exports, "mwAlloc");
  ExportFunction<DeallocMw>(env, exports, "mwDealloc");
}

}  // namespace ndkv
