// The devices verbs can see, with what a person checks first: node GUID, transport, port states.
#include "devices.h"

#include <infiniband/verbs.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace ndkv {

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
  if (ibv_context* context = ibv_open_device(device)) {
    ibv_device_attr attr;
    if (ibv_query_device(context, &attr) == 0) {
      for (uint8_t port = 1; port <= attr.phys_port_cnt; port++) {
        ibv_port_attr portAttr;
        if (ibv_query_port(context, port, &portAttr) != 0) continue;
        auto entry = Napi::Object::New(env);
        entry.Set("port", port);
        entry.Set("state", PortStateName(portAttr.state));
        entry.Set("linkLayer", LinkLayerName(portAttr.link_layer));
        ports.Set(ports.Length(), entry);
      }
    }
    ibv_close_device(context);
  }
  result.Set("ports", ports);
  return result;
}

}  // namespace

Napi::Value ListDevices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int count = 0;
  ibv_device** list = ibv_get_device_list(&count);
  auto result = Napi::Array::New(env);
  if (list == nullptr) {
    // ENOSYS: no kernel verbs support at all — an empty list, not an error.
    if (errno == ENOSYS) return result;
    throw Napi::Error::New(env, std::string("ibv_get_device_list: ") + std::strerror(errno));
  }
  for (int i = 0; i < count; i++)
    result.Set(static_cast<uint32_t>(i), DescribeDevice(env, list[i]));
  ibv_free_device_list(list);
  return result;
}

}  // namespace ndkv
