/**
 * The keys of the hooks ndk-verbs objects call on one another. They are symbols, declared once here
 * and never exported from the package, so the hooks stay out of reach of user code (a method named
 * by a string could be called by anyone), and every hook is tagged `@internal`, so the published
 * type declarations leave them out (`stripInternal`).
 *
 * @packageDocumentation
 */

// ---- every object ----

/** @internal `NdkCloseObject`: `(done) => Outcome`; `done` runs when a PENDING close completes. */
export const kRequestClose = Symbol('ndk-verbs:requestClose');
/** @internal When a parent's `close()` closes this kind of child among its siblings (lower first). */
export const kCloseRank = Symbol('ndk-verbs:closeRank');
/** @internal Creates the object; its constructor is private. */
export const kCreate = Symbol('ndk-verbs:create');
/** @internal The object's native handle, for the verbs calls of another object. */
export const kHandle = Symbol('ndk-verbs:handle');

// ---- adapter and protection domain: creating children ----

/** @internal `NdkCreatePd`. */
export const kCreatePd = Symbol('ndk-verbs:createPd');
/** @internal `NdkCreateCq`. */
export const kCreateCq = Symbol('ndk-verbs:createCq');
/** @internal `NdkCreateMr`. */
export const kCreateMr = Symbol('ndk-verbs:createMr');
/** @internal `NdkCreateMw`. */
export const kCreateMw = Symbol('ndk-verbs:createMw');
/** @internal `NdkCreateQp`. */
export const kCreateQp = Symbol('ndk-verbs:createQp');

// ---- memory region ----

/** @internal `NdkRegisterMr`. */
export const kRegister = Symbol('ndk-verbs:register');
/** @internal `NdkDeregisterMr`. */
export const kDeregister = Symbol('ndk-verbs:deregister');
/**
 * @internal A batch deregistration takes the region: `(owner) => Outcome | undefined`, a refusal or
 * undefined once the region is marked pending (its handle is then `region[kHandle]`).
 */
export const kDeregisterBegin = Symbol('ndk-verbs:deregisterBegin');
/**
 * @internal A batch deregistration's result for the region: `(errno, waiting) => Outcome`; what
 * waited for the region's request (a close) is appended to `waiting`, for the caller to run.
 */
export const kDeregisterEnd = Symbol('ndk-verbs:deregisterEnd');
/** @internal A token getter (`NdkGetLocalTokenFromMr`, `NdkGetRemoteTokenFromMr`, `…FromMw`). */
export const kToken = Symbol('ndk-verbs:token');
/** @internal The region's handle for a work request, while it is open and registered. */
export const kWorkHandle = Symbol('ndk-verbs:workHandle');
/** @internal A window was bound over the region / let go of it. */
export const kWindowBound = Symbol('ndk-verbs:windowBound');
/** @internal See {@link kWindowBound}. */
export const kWindowUnbound = Symbol('ndk-verbs:windowUnbound');

// ---- completion queue ----

/** @internal `NdkArmCq`. */
export const kArm = Symbol('ndk-verbs:arm');
/** @internal `NdkGetCqResults`. */
export const kResults = Symbol('ndk-verbs:results');
/** @internal The parent a completion queue (its adapter) or memory window (its PD) belongs to. */
export const kOwner = Symbol('ndk-verbs:owner');
/** @internal Whether a completion queue takes new queue pairs. */
export const kUsable = Symbol('ndk-verbs:usable');
/** @internal A request is about to be posted: its completion is looked up by wr_id. */
export const kTrack = Symbol('ndk-verbs:track');
/** @internal Posting failed: no completion will come. */
export const kUntrack = Symbol('ndk-verbs:untrack');
/** @internal A queue pair is closing: keep polling until its flushed requests are in. */
export const kDrain = Symbol('ndk-verbs:drain');
/** @internal A queue pair is destroyed: its unpolled requests complete as flushed. */
export const kCancelFor = Symbol('ndk-verbs:cancelFor');
/** @internal A queue pair completes into this queue (the queue closes after it). */
export const kAdopt = Symbol('ndk-verbs:adopt');
/** @internal See {@link kAdopt}. */
export const kDisown = Symbol('ndk-verbs:disown');

// ---- queue pair ----

/** @internal `NdkGetQpAddress`. */
export const kLocalAddress = Symbol('ndk-verbs:localAddress');
/** @internal `NdkConnectQp`. */
export const kConnect = Symbol('ndk-verbs:connect');
/** @internal `NdkWrite` / `NdkRead` / `NdkSend` / `NdkReceive`. */
export const kPost = Symbol('ndk-verbs:post');
/** @internal `NdkBind`. */
export const kBind = Symbol('ndk-verbs:bind');
/** @internal `NdkInvalidate`. */
export const kInvalidate = Symbol('ndk-verbs:invalidate');
/** @internal One of the queue pair's requests was polled. */
export const kRequestDone = Symbol('ndk-verbs:requestDone');

// ---- memory window ----

/** @internal Refuses a bind or invalidation the window's state does not allow. */
export const kRefuseRequest = Symbol('ndk-verbs:refuseRequest');
/** @internal A bind was posted. */
export const kBindPosted = Symbol('ndk-verbs:bindPosted');
/** @internal A bind completed. */
export const kBindCompleted = Symbol('ndk-verbs:bindCompleted');
/** @internal An invalidation was posted. */
export const kInvalidatePosted = Symbol('ndk-verbs:invalidatePosted');
/** @internal An invalidation completed. */
export const kInvalidateCompleted = Symbol('ndk-verbs:invalidateCompleted');

// ---- asynchronous events ----

/** @internal The addon's event callback on the adapter: `(type, element) => void`. */
export const kDeviceEvent = Symbol('ndk-verbs:deviceEvent');
/** @internal An event that names this queue pair or completion queue: `(event) => void`. */
export const kObjectEvent = Symbol('ndk-verbs:objectEvent');
/** @internal The device was removed and its objects released: a completion queue's armed notification completes. */
export const kDeviceReleased = Symbol('ndk-verbs:deviceReleased');
