// The waiter thread of one completion queue: poll() on the completion channel, acknowledge each
// event and tell JavaScript (see cq_event_thread.h).
#include "cq_event_thread.h"

#include <poll.h>

#include <cerrno>

#include "util/thread_name.h"

namespace ndkv {

namespace {

// Calls the JS event handler through plain Node-API, which reports failure by status instead of a
// C++ exception: this runs outside any Node-API callback (no one could catch a throw; it would end
// in std::terminate), and during environment teardown the call may legitimately fail. An exception
// the handler throws stays pending, and Node reports it as an uncaught exception.
void CallOnEvent(Napi::Env env, Napi::Function onEvent) {
  if (env == nullptr || onEvent.IsEmpty()) return;  // the environment is going away
  napi_value ignored;
  napi_call_function(env, env.Undefined(), onEvent, 0, nullptr, &ignored);
}

}  // namespace

std::unique_ptr<CqEventThread> CqEventThread::Start(Napi::Env env, Napi::Function onEvent,
                                                    ibv_comp_channel* channel, int* err) {
  std::unique_ptr<CqEventThread> self(new CqEventThread());
  self->channel_ = channel;
  *err = self->thread_.Start(env, onEvent, "ndk-verbs:cq", channel->fd, [raw = self.get()] {
    NameThisThread(kCqEventThreadName);
    raw->Run();
  });
  if (*err != 0) return nullptr;
  return self;
}

CqEventThread::~CqEventThread() { Stop(); }

void CqEventThread::Run() {
  for (;;) {
    pollfd fds[2] = {{channel_->fd, POLLIN, 0}, {thread_.StopFd(), POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) {
      if (fds[0].revents != 0) return;  // POLLERR / POLLHUP: the device went away
      continue;
    }
    ibv_cq* cq = nullptr;
    void* context = nullptr;
    if (ibv_get_cq_event(channel_, &cq, &context) != 0) continue;  // EAGAIN: nothing after all
    // Acknowledged at once: ibv_destroy_cq waits for every event to be acknowledged.
    ibv_ack_cq_events(cq, 1);
    // napi_closing once the environment is shutting down: nobody is left to tell.
    if (thread_.Tsfn().NonBlockingCall(CallOnEvent) != napi_ok) return;
  }
}

void CqEventThread::Stop() { thread_.Stop(); }

void CqEventThread::SetRef(Napi::Env env, bool ref) { thread_.Tsfn().SetRef(env, ref); }

}  // namespace ndkv
