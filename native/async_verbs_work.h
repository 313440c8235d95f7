// A registration or deregistration run on the libuv pool. Execute only calls verbs through the
// MrCore (no Node-API); the JS-thread half unpins the memory when the registration is over and
// calls `done(errno)` exactly once, always in a later turn of the event loop than the request.
#pragma once
#include <napi.h>

#include "handles.h"

namespace ndkv {

class AsyncVerbsWork : public Napi::AsyncWorker {
 public:
  enum class Kind { kRegister, kDeregister };

  AsyncVerbsWork(Napi::Function done, Napi::External<MrBox> handle, Kind kind, void* addr = nullptr,
                 size_t length = 0, int access = 0);

  void Execute() override;
  void OnOK() override;

 private:
  Napi::Reference<Napi::External<MrBox>> handle_;  // keeps the box alive while in flight
  std::shared_ptr<MrCore> core_;
  Kind kind_;
  void* addr_;
  size_t length_;
  int access_;
  int err_ = 0;
};

}  // namespace ndkv
