// openDevice / closeDevice / allocPd / deallocPd / createMr: the quick control calls, always
// inline.
#include "device_and_pd.h"

#include <cerrno>
#include <string>

#include "addon_data.h"
#include "handles.h"
#include "result_codes.h"

namespace ndkv {

namespace {

// ibv_open_device by name; null with errno set when there is no such device.
ibv_context* OpenByName(const std::string& name) {
  int count = 0;
  ibv_device** list = ibv_get_device_list(&count);
  if (list == nullptr) {
    errno = ENODEV;  // no verbs support in this kernel at all: there is no such device
    return nullptr;
  }
  ibv_context* context = nullptr;
  errno = ENODEV;
  for (int i = 0; i < count; i++) {
    if (name == ibv_get_device_name(list[i])) {
      context = ibv_open_device(list[i]);
      if (context == nullptr && errno == 0) errno = ENODEV;
      break;
    }
  }
  int saved = errno;
  ibv_free_device_list(list);
  errno = saved;
  return context;
}

}  // namespace

Napi::Value OpenDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "device name must be a string");
  ibv_context* context = OpenByName(info[0].As<Napi::String>().Utf8Value());
  if (context == nullptr) return Napi::Number::New(env, errno);
  auto core = std::make_shared<DeviceCore>();
  core->context = context;
  ibv_device_attr attr;
  core->supportsMemoryWindows = ibv_query_device(context, &attr) == 0 && attr.max_mw > 0;
  auto* data = AddonData::Of(env);
  PruneExpired(data->devices);
  data->devices.push_back(core);
  return NewHandle(env, new DeviceBox{core});
}

Napi::Value CloseDevice(const Napi::CallbackInfo& info) {
  auto& core = UnwrapHandle<DeviceBox>(info[0])->core;
  Napi::Env env = info.Env();
  if (core->context == nullptr) return Napi::Number::New(env, kGone);
  // With protection domains alive, closing the context would let the kernel free their objects
  // under our handles: refuse like verbs refuses a PD with live regions.
  if (core->HasLivePds() || core->HasLiveCqs()) return Napi::Number::New(env, EBUSY);
  int err = ibv_close_device(core->context);
  if (err == 0) core->context = nullptr;
  return Napi::Number::New(env, err);
}

Napi::Value AllocPd(const Napi::CallbackInfo& info) {
  auto& device = UnwrapHandle<DeviceBox>(info[0])->core;
  Napi::Env env = info.Env();
  if (device->context == nullptr) return Napi::Number::New(env, kGone);
  ibv_pd* pd = ibv_alloc_pd(device->context);
  if (pd == nullptr) return Napi::Number::New(env, errno != 0 ? errno : ENOMEM);
  auto core = std::make_shared<PdCore>();
  core->pd = pd;
  core->device = device;
  PruneExpired(device->pds);
  device->pds.push_back(core);
  return NewHandle(env, new PdBox{core});
}

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

Napi::Value CreateMr(const Napi::CallbackInfo& info) {
  auto& pd = UnwrapHandle<PdBox>(info[0])->core;
  Napi::Env env = info.Env();
  if (pd->pd == nullptr) return Napi::Number::New(env, kGone);
  auto core = std::make_shared<MrCore>();
  core->pd = pd;
  PruneExpired(pd->mrs);
  pd->mrs.push_back(core);
  return NewHandle(env, new MrBox{core, {}});
}

}  // namespace ndkv
