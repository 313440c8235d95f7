// Results of the native calls, shared with lib/native.ts (NativeResult). A non-negative value is 0
// (done, success) or the errno that verbs reported; the negative values are the binding's own
// answers.
#pragma once

namespace ndkv {

enum NativeResult : int {
  kDone = 0,
  kPending = -1,      // queued (request threads or libuv pool); the completion is delivered once
  kBusy = -2,         // another request on this object is still in flight
  kWrongState = -3,   // e.g. deregistering a region that is not registered
  kGone = -4,         // the object (or its parent) was already destroyed
  kBadArgument = -5,  // the facade validates first; this is the last line of defence
};

}  // namespace ndkv
