#include "qp_destroy_work.h"

#include <utility>

namespace ndkv {

QpDestroyWork::QpDestroyWork(Napi::Function done, std::shared_ptr<QpCore> core)
    : Napi::AsyncWorker(done, "ndk-verbs:qp"), core_(std::move(core)) {}

void QpDestroyWork::Execute() { err_ = core_->RunDeferredDestroy(); }

void QpDestroyWork::OnOK() {
  // The core first: the callback may throw, and may not run at all in an environment being torn
  // down.
  core_->FinishDeferredDestroy(err_);
  Callback().Call({Napi::Number::New(Env(), err_)});
}

}  // namespace ndkv
