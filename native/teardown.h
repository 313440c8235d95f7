// Environment teardown (process exit, worker termination): the order in which everything still
// alive is released, children first. Kept in one place so the order reads top to bottom.
#pragma once

namespace ndkv {

struct AddonData;
struct DeviceCore;

// The environment cleanup hook. Runs when this environment ends, before Node-API finalizes the
// handles: every registration still alive is released, children first, so nothing stays pinned
// and no later finalizer reaches verbs for an object already destroyed.
void ReleaseEnvironment(AddonData* data);

// Deallocates every memory window still alive below `device`.
void DestroyWindows(DeviceCore& device);

// Releases everything still alive below `device`, children first: memory windows (a window still
// bound through a queue pair makes rxe's ibv_destroy_qp wait ~50 s, and a bound window makes
// ibv_dereg_mr fail), queue pairs (nothing can reach memory any more; a destroy in flight is waited
// for), memory regions, completion queues, protection domains, the context.
void DestroyDeviceTree(DeviceCore& device);

}  // namespace ndkv
