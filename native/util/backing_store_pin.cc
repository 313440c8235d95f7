// The one place the addon uses the V8 API directly. Node-API can only keep an ArrayBuffer object
// alive (a reference), not its bytes: JS may still detach the buffer (a BYOB stream read,
// transfer(), napi_detach_arraybuffer, none of which markAsUntransferable stops), and the bytes
// then belong to whatever took them, to be freed when that is collected, under a live registration.
// V8 keeps an ArrayBuffer's bytes in a reference-counted BackingStore, and a detach or transfer
// only moves references to it; holding one ourselves keeps the bytes where verbs registered them.
//
// Releasing the last reference frees the bytes through the isolate's ArrayBuffer::Allocator, which
// V8 requires to be thread-safe (V8 itself frees backing stores on its GC worker threads), or
// through the deleter of an external buffer, which Node makes thread-safe for the same reason. So
// the pool thread that deregisters a region may drop it. Node creates its isolates with
// array_buffer_allocator_shared, so a backing store also keeps its allocator alive, past the end of
// a worker's isolate.
//
// Using V8 directly ties the compiled addon to the V8 of the Node it was built for; node-gyp builds
// it per Node version anyway.
#include "backing_store_pin.h"

#include <v8.h>

#include <cstring>

namespace ndkv {

namespace {

// A napi_value is the slot pointer of a v8::Local; Node's own Node-API implementation converts one
// the same way (v8impl::V8LocalValueFromJsValue).
v8::Local<v8::Value> ToV8(napi_value value) {
  v8::Local<v8::Value> local;
  static_assert(sizeof(local) == sizeof(value), "a napi_value is a v8::Local's slot pointer");
  std::memcpy(static_cast<void*>(&local), &value, sizeof(value));
  return local;
}

// Shares ownership of `store` under a pointer to its bytes (an aliasing shared_ptr), so callers
// need no V8 type. None for a resizable or growable buffer: V8 reserves its maximum length and
// commits and decommits pages as JS resizes it, so the registered length could stop being backed
// by memory (or be replaced by fresh zero pages) under a live registration.
std::shared_ptr<void> Owner(std::shared_ptr<v8::BackingStore> store) {
  if (store == nullptr || store->IsResizableByUserJavaScript()) return nullptr;
  void* data = store->Data();
  return std::shared_ptr<void>(std::move(store), data);
}

}  // namespace

std::shared_ptr<void> PinBackingStore(Napi::Value buffer) {
  v8::Local<v8::Value> value = ToV8(buffer);
  if (value.IsEmpty()) return nullptr;
  if (value->IsArrayBuffer()) return Owner(value.As<v8::ArrayBuffer>()->GetBackingStore());
  if (value->IsSharedArrayBuffer()) {
    return Owner(value.As<v8::SharedArrayBuffer>()->GetBackingStore());
  }
  return nullptr;
}

}  // namespace ndkv
