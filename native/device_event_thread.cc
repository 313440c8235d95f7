// The asynchronous-event reader of one open device (see device_event_thread.h).
#include "device_event_thread.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/thread_name.h"

namespace ndkv {

namespace {

constexpr const char* kDeviceDirectory = "/dev/infiniband";
constexpr int kFallbackCheckMs = 1000;

struct EventData {
  int type;
  uint32_t element;
};

// Plain Node-API (no C++ exceptions outside a Node-API callback), like the CQ waiter. During
// environment teardown the call may legitimately fail.
void CallOnEvent(Napi::Env env, Napi::Function onEvent, EventData* data) {
  EventData event = *data;
  delete data;
  if (env == nullptr || onEvent.IsEmpty()) return;
  napi_value args[2];
  if (napi_create_int32(env, event.type, &args[0]) != napi_ok) return;
  if (napi_create_uint32(env, event.element, &args[1]) != napi_ok) return;
  napi_value ignored;
  napi_call_function(env, env.Undefined(), onEvent, 2, args, &ignored);
}

// What an event names: the port, the QP number, or the CQ's id.
uint32_t ElementOf(const ibv_async_event& event) {
  switch (event.event_type) {
    case IBV_EVENT_PORT_ACTIVE:
    case IBV_EVENT_PORT_ERR:
    case IBV_EVENT_LID_CHANGE:
    case IBV_EVENT_PKEY_CHANGE:
    case IBV_EVENT_SM_CHANGE:
    case IBV_EVENT_CLIENT_REREGISTER:
    case IBV_EVENT_GID_CHANGE:
      return static_cast<uint32_t>(event.element.port_num);
    case IBV_EVENT_CQ_ERR:
      return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(event.element.cq->cq_context));
    case IBV_EVENT_QP_FATAL:
    case IBV_EVENT_QP_REQ_ERR:
    case IBV_EVENT_QP_ACCESS_ERR:
    case IBV_EVENT_COMM_EST:
    case IBV_EVENT_SQ_DRAINED:
    case IBV_EVENT_PATH_MIG:
    case IBV_EVENT_PATH_MIG_ERR:
    case IBV_EVENT_QP_LAST_WQE_REACHED:
      return event.element.qp->qp_num;
    default:
      return 0;  // SRQ and device-wide events: no element the facade knows
  }
}

}  // namespace

std::unique_ptr<DeviceEventThread> DeviceEventThread::Start(Napi::Env env, Napi::Function onEvent,
                                                            ibv_context* context,
                                                            std::string uverbsName, int* err) {
  std::unique_ptr<DeviceEventThread> self(new DeviceEventThread());
  self->context_ = context;
  self->uverbsName_ = std::move(uverbsName);
  // Best effort: without a watch, the once-a-second check still finds a removal.
  self->inotifyFd_ = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (self->inotifyFd_ >= 0 &&
      inotify_add_watch(self->inotifyFd_, kDeviceDirectory, IN_DELETE) < 0) {
    close(self->inotifyFd_);
    self->inotifyFd_ = -1;
  }
  *err = self->thread_.Start(env, onEvent, "ndk-verbs:device-events", context->async_fd,
                             [raw = self.get()] {
                               NameThisThread(kDeviceEventThreadName);
                               raw->Run();
                             });
  if (*err != 0) return nullptr;
  return self;
}

DeviceEventThread::~DeviceEventThread() { Stop(); }

void DeviceEventThread::Run() {
  // A removal ends the loop: removal is final, and with RDMAV_ALLOW_DISASSOC_DESTROY rdma-core
  // forbids reading async events while objects are destroyed (which the facade then does).
  for (;;) {
    // poll() skips a negative fd: no inotify watch.
    pollfd fds[3] = {
        {thread_.StopFd(), POLLIN, 0}, {context_->async_fd, POLLIN, 0}, {inotifyFd_, POLLIN, 0}};
    // The once-a-second check runs even with a watch: /dev may be another mount (a container's).
    int ready = poll(fds, 3, kFallbackCheckMs);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents != 0) return;
    if ((fds[1].revents & POLLIN) != 0) {
      if (!ReadVerbsEvent()) return;  // false too after IBV_EVENT_DEVICE_FATAL
    } else if (fds[1].revents != 0) {
      // POLLERR / POLLHUP: the device was disassociated (hardware that supports it).
      Deliver(kDeviceRemovedEvent, 0);
      return;
    }
    if (fds[2].revents != 0) {
      // Drained; which node went away is checked on the file system itself.
      alignas(inotify_event) char buffer[4096];
      while (read(inotifyFd_, buffer, sizeof buffer) > 0) {
      }
    }
    if (NodeGone()) {
      Deliver(kDeviceRemovedEvent, 0);
      return;
    }
  }
}

bool DeviceEventThread::ReadVerbsEvent() {
  ibv_async_event event;
  if (ibv_get_async_event(context_, &event) != 0) return true;  // EAGAIN: nothing after all
  int type = event.event_type;
  uint32_t element = ElementOf(event);
  // Acknowledged at once: ibv_destroy_qp/ibv_destroy_cq wait for their events' acknowledgement.
  ibv_ack_async_event(&event);
  return Deliver(type, element) && type != IBV_EVENT_DEVICE_FATAL;
}

bool DeviceEventThread::NodeGone() const {
  std::string path = std::string(kDeviceDirectory) + "/" + uverbsName_;
  return access(path.c_str(), F_OK) != 0 && errno == ENOENT;
}

// False once the environment is shutting down: nobody is left to tell.
bool DeviceEventThread::Deliver(int type, uint32_t element) {
  auto* data = new EventData{type, element};
  if (thread_.Tsfn().NonBlockingCall(data, CallOnEvent) != napi_ok) {
    delete data;
    return false;
  }
  return true;
}

void DeviceEventThread::Stop() {
  thread_.Stop();
  // Now, not in the destructor: a closed adapter's core lives on until its JS object is collected.
  if (inotifyFd_ >= 0) close(inotifyFd_);
  inotifyFd_ = -1;
}

}  // namespace ndkv
