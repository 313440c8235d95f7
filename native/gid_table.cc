// A port's GID table, read once with ibv_query_gid_table (rdma-core ≥ 32), which lists only the
// valid entries with their type: on rxe, index 0 is the netdev's IPv6 link-local address and the
// IPv4 address (when it has one) an IPv4-mapped entry, all RoCE v2.
#include "gid_table.h"

#include <cerrno>

namespace ndkv {

namespace {

const char* GidTypeName(uint32_t type) {
  switch (type) {
    case IBV_GID_TYPE_IB:
      return "IB";
    case IBV_GID_TYPE_ROCE_V1:
      return "RoCE v1";
    case IBV_GID_TYPE_ROCE_V2:
      return "RoCE v2";
    default:
      return "unknown";
  }
}

bool IsZero(const ibv_gid& gid) {
  for (uint8_t byte : gid.raw) {
    if (byte != 0) return false;
  }
  return true;
}

}  // namespace

int ReadGidTable(ibv_context* context, std::vector<ibv_gid_entry>& entries) {
  ibv_device_attr attr;
  if (ibv_query_device(context, &attr) != 0) return errno > 0 ? errno : EIO;
  size_t capacity = 0;
  for (uint8_t port = 1; port <= attr.phys_port_cnt; port++) {
    ibv_port_attr portAttr;
    if (ibv_query_port(context, port, &portAttr) != 0) return errno > 0 ? errno : EIO;
    capacity += static_cast<size_t>(portAttr.gid_tbl_len);
  }
  entries.resize(capacity);
  if (capacity == 0) return 0;
  ssize_t count = ibv_query_gid_table(context, entries.data(), capacity, 0);
  if (count < 0) return static_cast<int>(-count);
  entries.resize(static_cast<size_t>(count));
  // An entry being deleted may still come back as zeros: no peer could reach it.
  std::vector<ibv_gid_entry> valid;
  for (const auto& entry : entries) {
    if (!IsZero(entry.gid)) valid.push_back(entry);
  }
  entries.swap(valid);
  return 0;
}

Napi::Array GidEntriesOfPort(Napi::Env env, const std::vector<ibv_gid_entry>& entries,
                             uint32_t port) {
  auto list = Napi::Array::New(env);
  for (const auto& entry : entries) {
    if (entry.port_num != port) continue;
    auto item = Napi::Object::New(env);
    item.Set("index", entry.gid_index);
    item.Set("gid", Napi::Buffer<uint8_t>::Copy(env, entry.gid.raw, 16));
    item.Set("type", GidTypeName(entry.gid_type));
    list.Set(list.Length(), item);
  }
  return list;
}

}  // namespace ndkv
