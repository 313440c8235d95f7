// The destroy of one queue pair, run on the libuv pool: on rxe, ibv_destroy_qp waits in the kernel
// (about 50 s) while a type 2 memory window is still bound through the queue pair, and the event
// loop must not wait with it. Execute only calls verbs through the QpCore (no Node-API); the
// JS-thread half applies the result and calls `done(errno)` exactly once, always in a later turn of
// the event loop than the request.
#pragma once
#include <napi.h>

#include <memory>

#include "verbs_objects.h"

namespace ndkv {

class QpDestroyWork : public Napi::AsyncWorker {
 public:
  QpDestroyWork(Napi::Function done, std::shared_ptr<QpCore> core);

  void Execute() override;
  void OnOK() override;

 private:
  // Keeps the verbs object (and through it its PD, CQs and device) alive while in flight, even if
  // the handle is collected meanwhile.
  std::shared_ptr<QpCore> core_;
  int err_ = 0;
};

}  // namespace ndkv
