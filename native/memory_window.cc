// Memory windows: remote access to part of a registered region under a token of their own, which
// can be revoked (invalidated) without deregistering the region. Type 2 only: rxe supports it, and
// it is bound on a queue pair like any other work request, which keeps ordering with the traffic.
#include "memory_window.h"

#include <cerrno>

#include "handles.h"
#include "result_codes.h"

namespace ndkv {

Napi::Value AllocMw(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& pd = UnwrapHandle<PdBox>(info[0])->core;
  if (pd->pd == nullptr) return Napi::Number::New(env, kGone);
  ibv_mw* mw = ibv_alloc_mw(pd->pd, IBV_MW_TYPE_2);
  if (mw == nullptr) return Napi::Number::New(env, errno != 0 ? errno : EOPNOTSUPP);
  auto core = std::make_shared<MwCore>();
  core->mw = mw;
  core->pd = pd;
  PruneExpired(pd->mws);
  pd->mws.push_back(core);
  return NewHandle(env, new MwBox{core});
}

Napi::Value DeallocMw(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& core = UnwrapHandle<MwBox>(info[0])->core;
  if (core->mw == nullptr) return Napi::Number::New(env, kGone);
  return Napi::Number::New(env, core->Destroy());
}

}  // namespace ndkv
