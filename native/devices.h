#pragma once
#include <napi.h>

namespace ndkv {

// listDevices() → [{ name, nodeGuid, transport, ports: [{ port, state, linkLayer }] }]
Napi::Value ListDevices(const Napi::CallbackInfo& info);

}  // namespace ndkv
