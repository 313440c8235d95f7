// The stoppable waiter thread shared by the CQ waiters and the device event readers (see
// stoppable_thread.h).
#include "stoppable_thread.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>
#include <utility>

namespace ndkv {

int StoppableThread::Start(Napi::Env env, Napi::Function onEvent, const char* name, int watchedFd,
                           std::function<void()> run) {
  int flags = fcntl(watchedFd, F_GETFL);
  if (flags < 0 || fcntl(watchedFd, F_SETFL, flags | O_NONBLOCK) < 0) return errno;
  stopFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stopFd_ < 0) return errno;
  tsfn_.Start(env, onEvent, name);
  try {
    thread_ = std::thread(std::move(run));
  } catch (const std::system_error& e) {
    Stop();
    return e.code().value() != 0 ? e.code().value() : EAGAIN;
  }
  return 0;
}

void StoppableThread::Stop() {
  if (!stopped_) {
    stopped_ = true;
    uint64_t one = 1;
    if (stopFd_ >= 0 && write(stopFd_, &one, sizeof one) < 0) {
      // An eventfd write only fails on counter overflow, which one write cannot reach.
    }
    if (thread_.joinable()) thread_.join();
    tsfn_.Release();
  }
  if (stopFd_ >= 0) close(stopFd_);
  stopFd_ = -1;
}

}  // namespace ndkv
