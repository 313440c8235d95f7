#include "async_verbs_work.h"

namespace ndkv {

AsyncVerbsWork::AsyncVerbsWork(Napi::Function done, Napi::External<MrBox> handle, Kind kind,
                               void* addr, size_t length, int access)
    : Napi::AsyncWorker(done, "ndk-verbs:mr"),
      handle_(Napi::Persistent(handle)),
      core_(handle.Data()->core),
      kind_(kind),
      addr_(addr),
      length_(length),
      access_(access) {}

void AsyncVerbsWork::Execute() {
  err_ = kind_ == Kind::kRegister ? core_->RunRegister(addr_, length_, access_)
                                  : core_->RunDeregister();
}

void AsyncVerbsWork::OnOK() {
  Napi::Env env = Env();
  MrBox* box = handle_.Value().Data();
  bool registrationOver = kind_ == Kind::kRegister ? err_ != 0 : err_ == 0;
  if (registrationOver) box->Unpin();
  Callback().Call({Napi::Number::New(env, err_)});
}

}  // namespace ndkv
