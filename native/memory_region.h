#pragma once
#include <napi.h>

namespace ndkv {

// (dispatch) → queue handle: the results of requests deferred through it are delivered as
// dispatch(Int32Array [requestId, errno, …]) (see MrRequestQueue)
Napi::Value CreateMrRequestQueue(const Napi::CallbackInfo& info);
// (queue) → undefined: wakes request threads for the jobs queued since the last flush
Napi::Value FlushMrRequests(const Napi::CallbackInfo& info);
// (mr, view: Uint8Array, access, requestId, queue?) → 0 | errno | NativeResult. requestId 0 runs
// inline; otherwise the request is deferred to `queue` (kPending) and its errno is delivered under
// that id.
Napi::Value MrRegister(const Napi::CallbackInfo& info);
// (mr, requestId, queue?) → 0 | errno | NativeResult, as MrRegister
Napi::Value MrDeregister(const Napi::CallbackInfo& info);
// (mr) → [lkey, rkey] while a verbs registration exists, else null
Napi::Value MrKeys(const Napi::CallbackInfo& info);
// (mr) → the registered virtual address (bigint) while a verbs registration exists, else null: the
// remote address a peer puts in its RDMA requests.
Napi::Value MrAddress(const Napi::CallbackInfo& info);
// (mr) → MrState
Napi::Value MrStateOf(const Napi::CallbackInfo& info);

}  // namespace ndkv
