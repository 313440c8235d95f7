// Devices: the list verbs can see (with what a person checks first: node GUID, transport, port
// states), and opening and closing one device's context.
#include "device.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "addon_data.h"
#include "completion_queue.h"
#include "gid_table.h"
#include "protection_domain.h"
#include "util/export_function.h"
#include "util/make_core.h"
#include "util/result_codes.h"
#include "util/verbs_owners.h"
#include "util/weak_list.h"

namespace ndkv {

DeviceCore::~DeviceCore() { CloseContext(); }

int DeviceCore::CloseContext() {
  if (events) events->Stop();
  if (context == nullptr) return 0;
  int err = ibv_close_device(context);
  if (err == 0) context = nullptr;
  return err;
}

bool DeviceCore::HasLivePds() {
  PruneExpired(pds);
  for (auto& weak : pds) {
    auto pd = weak.lock();
    if (pd && pd->pd != nullptr) return true;
  }
  return false;
}

bool DeviceCore::HasLiveCqs() {
  PruneExpired(cqs);
  for (auto& weak : cqs) {
    auto cq = weak.lock();
    if (cq && cq->cq != nullptr) return true;
  }
  return false;
}

namespace {

// Formatted like /sys/class/infiniband/<dev>/node_guid without the colons: 16 hex digits.
std::string FormatGuid(__be64 guid) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(be64toh(guid)));
  return text;
}

const char* TransportName(ibv_transport_type transport) {
  switch (transport) {
    case IBV_TRANSPORT_IB:
      return "InfiniBand";
    case IBV_TRANSPORT_IWARP:
      return "iWARP";
    case IBV_TRANSPORT_USNIC:
    case IBV_TRANSPORT_USNIC_UDP:
      return "usNIC";
    case IBV_TRANSPORT_UNSPECIFIED:
      return "unspecified";
    default:
      return "unknown";
  }
}

// The names sysfs uses (/sys/class/infiniband/<dev>/ports/<n>/state); ibv_port_state_str() spells
// them differently across rdma-core versions.
const char* PortStateName(ibv_port_state state) {
  switch (state) {
    case IBV_PORT_DOWN:
      return "DOWN";
    case IBV_PORT_INIT:
      return "INIT";
    case IBV_PORT_ARMED:
      return "ARMED";
    case IBV_PORT_ACTIVE:
      return "ACTIVE";
    case IBV_PORT_ACTIVE_DEFER:
      return "ACTIVE_DEFER";
    default:
      return "NOP";
  }
}

const char* LinkLayerName(uint8_t linkLayer) {
  switch (linkLayer) {
    case IBV_LINK_LAYER_INFINIBAND:
      return "InfiniBand";
    case IBV_LINK_LAYER_ETHERNET:
      return "Ethernet";
    default:
      return "unspecified";
  }
}

Napi::Object DescribeDevice(Napi::Env env, ibv_device* device) {
  auto result = Napi::Object::New(env);
  result.Set("name", ibv_get_device_name(device));
  result.Set("nodeGuid", FormatGuid(ibv_get_device_guid(device)));
  result.Set("transport", TransportName(device->transport_type));
  auto ports = Napi::Array::New(env);
  if (ScopedContext context{ibv_open_device(device)}) {
    ibv_device_attr attr;
    // A table that cannot be read lists no GIDs: the device and its ports are still worth showing.
    std::vector<ibv_gid_entry> gids;
    if (ReadGidTable(context.get(), gids) != 0) gids.clear();
    if (ibv_query_device(context.get(), &attr) == 0) {
      for (uint8_t port = 1; port <= attr.phys_port_cnt; port++) {
        ibv_port_attr portAttr;
        if (ibv_query_port(context.get(), port, &portAttr) != 0) continue;
        auto entry = Napi::Object::New(env);
        entry.Set("port", port);
        entry.Set("state", PortStateName(portAttr.state));
        entry.Set("linkLayer", LinkLayerName(portAttr.link_layer));
        entry.Set("gids", GidEntriesOfPort(env, gids, port));
        ports.Set(ports.Length(), entry);
      }
    }
  }
  result.Set("ports", ports);
  return result;
}

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

// deviceList() → [{ name, nodeGuid, transport, ports: [{ port, state, linkLayer, gids }] }]
Napi::Value ListDevices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int count = 0;
  DeviceList list{ibv_get_device_list(&count)};
  if (list == nullptr) {
    int err = errno;
    // ENOSYS: no kernel verbs support at all — an empty list, not an error.
    if (err == ENOSYS) return Napi::Array::New(env);
    throw Napi::Error::New(env, std::string("ibv_get_device_list: ") + std::strerror(err));
  }
  auto result = Napi::Array::New(env);
  for (int i = 0; i < count; i++)
    result.Set(static_cast<uint32_t>(i), DescribeDevice(env, list[i]));
  return result;
}

// (name, onEvent) → handle | errno. `onEvent(type, element)` is called on the JS thread for each
// asynchronous event (see device_event_thread.h).
Napi::Value OpenDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "device name must be a string");
  if (!info[1].IsFunction()) throw Napi::TypeError::New(env, "onEvent must be a function");
  // The core exists before the context, so that an allocation failing later (bad_alloc is turned
  // into a result by ExportFunction) still closes the context in ~DeviceCore.
  auto core = MakeCore<DeviceCore>();
  ibv_context* context = OpenByName(info[0].As<Napi::String>().Utf8Value());
  if (context == nullptr) return Napi::Number::New(env, errno);
  core->context = context;
  int err = 0;
  core->events = DeviceEventThread::Start(env, info[1].As<Napi::Function>(), context,
                                          context->device->dev_name, &err);
  if (!core->events) {
    core->CloseContext();
    return Napi::Number::New(env, err);
  }
  ibv_device_attr attr;
  core->supportsMemoryWindows = ibv_query_device(context, &attr) == 0 && attr.max_mw > 0;
  auto* data = AddonData::Of(env);
  AppendPruning(data->devices, core);
  return NewHandle(env, new DeviceBox{core});
}

// (device) → 0 | errno | NativeResult
Napi::Value CloseDevice(const Napi::CallbackInfo& info) {
  auto& core = UnwrapHandle<DeviceBox>(info[0])->core;
  Napi::Env env = info.Env();
  if (core->context == nullptr) return Napi::Number::New(env, kGone);
  // With protection domains alive, closing the context would let the kernel free their objects
  // under our handles: refuse like verbs refuses a PD with live regions.
  if (core->HasLivePds() || core->HasLiveCqs()) return Napi::Number::New(env, EBUSY);
  return Napi::Number::New(env, core->CloseContext());
}

// () → "disabled" | "enabled" | "unneeded": libibverbs' fork support (ibv_is_fork_initialized).
// "unneeded" means the kernel copies DMA-pinned pages into a fork child by itself.
Napi::Value ForkSupport(const Napi::CallbackInfo& info) {
  switch (ibv_is_fork_initialized()) {
    case IBV_FORK_ENABLED:
      return Napi::String::New(info.Env(), "enabled");
    case IBV_FORK_UNNEEDED:
      return Napi::String::New(info.Env(), "unneeded");
    default:
      return Napi::String::New(info.Env(), "disabled");
  }
}

}  // namespace

void InitDevice(Napi::Env env, Napi::Object exports) {
  ExportFunction<ListDevices, OnNativeFailure::kThrow>(env, exports, "deviceList");
  ExportFunction<OpenDevice>(env, exports, "deviceOpen");
  ExportFunction<CloseDevice>(env, exports, "deviceClose");
  ExportFunction<ForkSupport>(env, exports, "forkSupport");
}

}  // namespace ndkv
