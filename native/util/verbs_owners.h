// Owners for verbs resources that a JavaScript call holds only while it runs, so that an exception
// thrown halfway (a Napi::Object::Set that fails, a string that cannot be made) still frees them.
#pragma once
#include <infiniband/verbs.h>

#include <memory>

namespace ndkv {

struct DeviceListDeleter {
  void operator()(ibv_device** list) const { ibv_free_device_list(list); }
};
struct ContextCloser {
  void operator()(ibv_context* context) const { ibv_close_device(context); }
};

// What ibv_get_device_list returned.
using DeviceList = std::unique_ptr<ibv_device*[], DeviceListDeleter>;
// A context opened for the length of one call.
using ScopedContext = std::unique_ptr<ibv_context, ContextCloser>;

}  // namespace ndkv
