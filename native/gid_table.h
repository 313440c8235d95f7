// A port's GID table as a JavaScript array: what `ndk-verbs devices` lists and what a queue pair
// chooses its source GID from (by index, or by family with RoCE v2 preferred).
#pragma once
#include <infiniband/verbs.h>
#include <napi.h>

#include <vector>

namespace ndkv {

// The valid (non-zero) entries of every port of `context`, by ibv_query_gid_table; an errno
// (> 0) when verbs cannot read them.
int ReadGidTable(ibv_context* context, std::vector<ibv_gid_entry>& entries);

// [{ index, gid: Buffer(16), type: 'IB' | 'RoCE v1' | 'RoCE v2' }] for the entries of `port`.
Napi::Array GidEntriesOfPort(Napi::Env env, const std::vector<ibv_gid_entry>& entries,
                             uint32_t port);

}  // namespace ndkv
