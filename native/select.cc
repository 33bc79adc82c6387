// poll(2) over many fds at once: the syscall under the selectors module's
// selectSync (lib/selectors.ts). The single-fd poll(fd, events, ms) of
// socket.cc serves one socket's blocking call; a selector waits on all of its
// registered fds in one call, as CPython's PollSelector / EpollSelector do.
#include "bsdsock.h"

#include <poll.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <vector>

namespace bsdsock {

// poll_fds(fds: Int32Array, events: Int32Array, revents: Int32Array,
//          timeoutMs) -> the number of fds with events (0 on timeout).
// revents[i] receives the revents of fds[i] (0 for an fd with none). A
// negative fd is skipped by poll(2) itself (its revents stay 0), which lets a
// caller keep holes in its table. timeoutMs < 0 (or NaN, null) waits forever.
// EINTR is retried with the time left recomputed from a monotonic deadline,
// as the single-fd poll does, so a signal can neither shorten nor stretch the
// wait. The pollfd array is built before the call (convert, then pin): no JS
// runs between reading the arrays and writing revents back.
static Napi::Value PollFds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto int32Array = [&](size_t i, const char* name) -> Napi::TypedArrayOf<int32_t> {
    if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
      std::string msg = std::string(name) + " must be an Int32Array";
      ThrowType(env, msg.c_str());
    }
    return info[i].As<Napi::TypedArrayOf<int32_t>>();
  };
  auto fds = int32Array(0, "fds");
  auto events = int32Array(1, "events");
  auto revents = int32Array(2, "revents");
  size_t n = fds.ElementLength();
  if (events.ElementLength() < n || revents.ElementLength() < n) {
    ThrowRange(env, "poll_fds: events and revents must be at least as long as fds");
  }
  // RLIMIT_NOFILE bounds nfds in the kernel (EINVAL beyond it); refuse a
  // table that could not be valid before allocating for it.
  if (n > 1u << 20) ThrowRange(env, "poll_fds: too many fds");
  double timeout = -1;
  if (info.Length() > 3 && info[3].IsNumber()) timeout = info[3].As<Napi::Number>().DoubleValue();
  else if (info.Length() > 3 && !info[3].IsUndefined() && !info[3].IsNull()) ThrowType(env, "timeoutMs must be a number");
  if (std::isnan(timeout)) timeout = -1;

  std::vector<pollfd> p(n);
  for (size_t i = 0; i < n; i++) {
    int32_t ev = events[i];
    if (ev < 0 || ev > 0xffff) ThrowRange(env, "poll_fds: events out of range for short");
    p[i].fd = fds[i];
    p[i].events = static_cast<short>(ev);
    p[i].revents = 0;
  }

  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::duration<double, std::milli>(timeout < 0 ? 0 : timeout);
  for (;;) {
    int ms = -1;
    if (timeout >= 0) {
      double left = std::chrono::duration<double, std::milli>(deadline - Clock::now()).count();
      // Round up: waking 0.4 ms early would report a timeout before the deadline.
      ms = left <= 0 ? 0 : left >= 2147483647.0 ? 2147483647 : static_cast<int>(left + 0.999);
    }
    int r = poll(p.data(), static_cast<nfds_t>(n), ms);
    if (r >= 0) {
      for (size_t i = 0; i < n; i++) revents[i] = p[i].revents;
      return Napi::Number::New(env, r);
    }
    if (errno != EINTR) ThrowErrno(env, errno, "poll");
  }
}

void InitSelect(Napi::Env env, Napi::Object exports) {
  exports.Set("poll_fds", Napi::Function::New(env, PollFds, "poll_fds"));
}

}  // namespace bsdsock
