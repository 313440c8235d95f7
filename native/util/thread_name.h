// Names the addon's own threads, so `top -H`, `perf`, gdb and /proc/<pid>/task/*/comm tell them
// from Node's and V8's (the bench also finds the request threads by name).
#pragma once
#include <pthread.h>

namespace ndkv {

// Thread names the kernel keeps (at most 15 characters: a longer name would not be set at all).
inline constexpr const char* kMrRequestThreadName = "ndkv-mr";
inline constexpr const char* kQpDestroyThreadName = "ndkv-qp-destroy";
inline constexpr const char* kCqEventThreadName = "ndkv-cq-events";
inline constexpr const char* kDeviceEventThreadName = "ndkv-dev-events";

// Names the calling thread; best effort (a name is only a diagnostic).
inline void NameThisThread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace ndkv
