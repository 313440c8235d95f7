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

// Releases everything still alive below `device`, children first: queue pairs (nothing can reach
// memory any more), memory windows (a bound window makes ibv_dereg_mr fail), memory regions,
// completion queues, protection domains, the context.
void DestroyDeviceTree(DeviceCore& device);

}  // namespace ndkv
