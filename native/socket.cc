// One binding function per socket syscall, named like the C call, fd first.
//
// Every fd is created SOCK_NONBLOCK | SOCK_CLOEXEC: blocking and timeout
// modes are emulated in lib/ with poll(2) and a deadline, so one fd serves
// sync and async calls alike. Sends add MSG_NOSIGNAL: a closed peer is an
// EPIPE error, never a process-killing SIGPIPE.
//
// Hot I/O calls (send*, recv*, accept, connect) return -errno as a value;
// the rest throw through ThrowErrno. EINTR is retried, except by close(2):
// on Linux the fd is released even when close reports EINTR, so retrying
// could close an fd another thread just received (see man 2 close).
#include "bsdsock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>

namespace bsdsock {


static Napi::Number Num(Napi::Env env, double v) { return Napi::Number::New(env, v); }

// [a, b]: the shape of socketpair's fds and of (fd | count, address) results.
static Napi::Array Pair(Napi::Env env, Napi::Value a, Napi::Value b) {
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, a);
  out.Set(1u, b);
  return out;
}

// Portable fallback for systems without SOCK_NONBLOCK / SOCK_CLOEXEC / accept4.
static int SetFdFlags(int fd) {
#if !defined(SOCK_NONBLOCK) || !defined(__linux__)
  int fl = fcntl(fd, F_GETFL);
  if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1) return -1;
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) return -1;
#endif
#ifdef SO_NOSIGPIPE
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
  return 0;
}

#ifdef SOCK_NONBLOCK
static constexpr int kTypeFlags = SOCK_NONBLOCK | SOCK_CLOEXEC;
#else
static constexpr int kTypeFlags = 0;
#endif

static Napi::Value Socket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int family = ArgInt(info, 0, "family"), type = ArgInt(info, 1, "type"), proto = ArgIntOr(info, 2, "proto", 0);
  int fd = socket(family, type | kTypeFlags, proto);
  if (fd == -1) ThrowErrno(env, errno, "socket");
  if (SetFdFlags(fd) == -1) {
    int e = errno;
    close(fd);
    ThrowErrno(env, e, "fcntl");
  }
  TrackFd(env, fd);
  return Num(env, fd);
}

static Napi::Value Socketpair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int family = ArgInt(info, 0, "family"), type = ArgInt(info, 1, "type"), proto = ArgIntOr(info, 2, "proto", 0);
  int sv[2];
  if (socketpair(family, type | kTypeFlags, proto, sv) == -1) ThrowErrno(env, errno, "socketpair");
  if (SetFdFlags(sv[0]) == -1 || SetFdFlags(sv[1]) == -1) {
    int e = errno;
    close(sv[0]);
    close(sv[1]);
    ThrowErrno(env, e, "fcntl");
  }
  TrackFd(env, sv[0]);
  TrackFd(env, sv[1]);
  return Pair(env, Num(env, sv[0]), Num(env, sv[1]));
}

// bind(fd, address, family)
static Napi::Value Bind(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  SockAddr sa;
  ParseSockaddr(env, ArgInt(info, 2, "family"), info[1], &sa);
  if (bind(fd, sa.sa(), sa.len) == -1) ThrowErrno(env, errno, "bind", info[1]);
  return env.Undefined();
}

static Napi::Value Listen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (listen(ArgInt(info, 0, "fd"), ArgInt(info, 1, "backlog")) == -1) ThrowErrno(env, errno, "listen");
  return env.Undefined();
}

// accept(fd) -> address | -errno, the new fd in result[0]. The new fd is nonblocking and
// close-on-exec from birth (accept4), so no other thread's fork/exec sees it.
static Napi::Value Accept(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  SockAddr sa;
  sa.len = sizeof sa.storage;
  memset(&sa.storage, 0, sizeof(sa_family_t));
  // A listening fd whose O_NONBLOCK another holder cleared would block in
  // accept: take a connection only when poll(2) says one is pending. (A
  // second process accepting on the same description between the two
  // calls could still make this one wait: sharing a listener across
  // processes wants the flag left alone.)
  int fl = fcntl(fd, F_GETFL);
  if (fl != -1 && !(fl & O_NONBLOCK)) {
    pollfd p{fd, POLLIN, 0};
    long n = RetryNeg([&] { return poll(&p, 1, 0); });
    if (n == 0) return Num(env, -EAGAIN);
  }
#ifdef __linux__
  long r = RetryNeg([&] { return accept4(fd, sa.sa(), &sa.len, SOCK_NONBLOCK | SOCK_CLOEXEC); });
#else
  long r = RetryNeg([&] { return accept(fd, sa.sa(), &sa.len); });
  if (r >= 0 && SetFdFlags(static_cast<int>(r)) == -1) {
    int e = errno;
    close(static_cast<int>(r));
    r = -e;
  }
#endif
  if (r < 0) return Num(env, r);
  int nfd = static_cast<int>(r);
  TrackFd(env, nfd);
  GetData(env)->result[0] = nfd;
  return MakeSockaddr(env, sa.sa(), sa.len);
}

// connect(fd, address, family) -> 0 | -errno. On a nonblocking fd a TCP
// connect gives -EINPROGRESS; completion is writability plus SO_ERROR.
// A connect interrupted by a signal keeps going in the kernel: retrying it
// would give EALREADY, so EINTR is reported as EINPROGRESS (CPython does the
// same wait-for-writability dance in internal_connect).
static Napi::Value Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  SockAddr sa;
  ParseSockaddr(env, ArgInt(info, 2, "family"), info[1], &sa);
  long r = WithNonblock(fd, [&]() -> long {
    if (connect(fd, sa.sa(), sa.len) == 0) return 0;
    return -(errno == EINTR ? EINPROGRESS : errno);
  });
  return Num(env, static_cast<double>(r));
}

static Napi::Value Shutdown(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (shutdown(ArgInt(info, 0, "fd"), ArgInt(info, 1, "how")) == -1) ThrowErrno(env, errno, "shutdown");
  return env.Undefined();
}

// close(fd): not retried on EINTR (the fd is gone either way on Linux).
// ECONNRESET is not an error here: the fd is closed, as CPython decides too.
static Napi::Value Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  // An fd closed behind the socket's back (fs.closeSync, a child) and
  // reused since belongs to someone else now: closing it would pull it out
  // from under its new owner (and out of epoll under libuv). EBADF, as the
  // close of a gone fd reports.
  AddonData* data = GetData(env);
  bool ours = OwnsFd(data, fd) == 0;
  UntrackFd(env, fd);
  if (!ours) ThrowErrno(env, EBADF, "close");
  if (close(fd) == -1 && errno != EINTR && errno != ECONNRESET) ThrowErrno(env, errno, "close");
  return env.Undefined();
}

static Napi::Value NameCall(const Napi::CallbackInfo& info, bool peer) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  SockAddr sa;
  memset(&sa.storage, 0, sizeof sa.storage);
  sa.len = sizeof sa.storage;
  int r = peer ? getpeername(fd, sa.sa(), &sa.len) : getsockname(fd, sa.sa(), &sa.len);
  if (r == -1) ThrowErrno(env, errno, peer ? "getpeername" : "getsockname");
  return MakeSockaddr(env, sa.sa(), sa.len);
}
static Napi::Value Getsockname(const Napi::CallbackInfo& info) { return NameCall(info, false); }
static Napi::Value Getpeername(const Napi::CallbackInfo& info) { return NameCall(info, true); }

// getsockopt(fd, level, optname[, buflen]) -> int, or Buffer of the length the
// kernel reported when buflen is given (Python's getsockopt).
static Napi::Value Getsockopt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd"), level = ArgInt(info, 1, "level"), opt = ArgInt(info, 2, "optname");
  if (info[3].IsUndefined()) {
    int v = 0;
    socklen_t len = sizeof v;
    if (getsockopt(fd, level, opt, &v, &len) == -1) ThrowErrno(env, errno, "getsockopt");
    return Num(env, v);
  }
  int buflen = ArgInt(info, 3, "buflen");
  if (buflen <= 0 || buflen > 1024) ThrowRange(env, "getsockopt buflen out of range (1-1024)");
  char buf[1024];
  socklen_t len = static_cast<socklen_t>(buflen);
  if (getsockopt(fd, level, opt, buf, &len) == -1) ThrowErrno(env, errno, "getsockopt");
  return Napi::Buffer<char>::Copy(env, buf, len);
}

// setsockopt(fd, level, optname, value[, optlen]): value is an int, bytes,
// or null with optlen (a NULL optval of optlen bytes, as Python allows).
static Napi::Value Setsockopt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd"), level = ArgInt(info, 1, "level"), opt = ArgInt(info, 2, "optname");
  int r;
  if (info[3].IsNumber() || info[3].IsBoolean()) {
    int v = info[3].IsBoolean() ? info[3].As<Napi::Boolean>().Value() : ArgInt(info, 3, "value");
    r = setsockopt(fd, level, opt, &v, sizeof v);
  } else if (info[3].IsNull()) {
    int optlen = ArgInt(info, 4, "optlen");
    if (optlen < 0) ThrowRange(env, "optlen must not be negative");
    r = setsockopt(fd, level, opt, nullptr, static_cast<socklen_t>(optlen));
  } else {
    Bytes b = ArgBytes(info, 3, "value");
    r = setsockopt(fd, level, opt, b.data, static_cast<socklen_t>(b.len));
  }
  if (r == -1) ThrowErrno(env, errno, "setsockopt");
  return env.Undefined();
}

// send(fd, data, flags) -> bytes sent | -errno
static Napi::Value Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  Bytes b = ArgBytes(info, 1, "data");
  int flags = ArgIntOr(info, 2, "flags", 0) | kSendFlags;
  // The byte count given, for sendall's "all of it went" test (result[1]):
  // reading data.byteLength in JS was a megamorphic load. INT32_MIN (never
  // a result) for more than 2 GiB, which one send never takes whole.
  GetData(env)->result[1] = b.len > static_cast<size_t>(INT32_MAX) ? INT32_MIN : static_cast<int32_t>(b.len);
  return Num(env, RetryNeg([&] { return send(fd, b.data, b.len, flags); }));
}

// sendto(fd, data, flags, address, family) -> bytes sent | -errno
static Napi::Value Sendto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  int flags = ArgIntOr(info, 2, "flags", 0) | kSendFlags;
  // The address first: parsing it reads array elements (getters may run and
  // detach the data's buffer); the data pointer is taken after, right
  // before the syscall.
  SockAddr sa;
  ParseSockaddr(env, ArgInt(info, 4, "family"), info[3], &sa);
  Bytes b = ArgBytes(info, 1, "data");
  return Num(env, RetryNeg([&] { return sendto(fd, b.data, b.len, flags, sa.sa(), sa.len); }));
}

// The byte count to read into `b`: nbytes 0 means the whole buffer; more
// than the buffer holds is a RangeError, never an overflow.
static size_t ReadSize(const Napi::CallbackInfo& info, size_t i, const Bytes& b) {
  int64_t n = info[i].IsUndefined() ? 0 : ArgInt64(info, i, "nbytes");
  if (n < 0) ThrowRange(info.Env(), "negative buffersize in recv_into");
  if (static_cast<uint64_t>(n) > b.len) ThrowRange(info.Env(), "buffer too small for requested bytes");
  return n == 0 ? b.len : static_cast<size_t>(n);
}

// recv_into(fd, buffer, nbytes, flags) -> bytes received | -errno
static Napi::Value RecvInto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  Bytes b = ArgBytes(info, 1, "buffer");
  size_t n = ReadSize(info, 2, b);
  int flags = ArgIntOr(info, 3, "flags", 0);
  return Num(env, RetryNeg([&] { return recv(fd, b.data, n, flags); }));
}

// recvfrom_into(fd, buffer, nbytes, flags) -> address | -errno, the count in
// result[0] (a read is at most MAX_RW_COUNT, under 2^31, so it fits).
static Napi::Value RecvfromInto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  Bytes b = ArgBytes(info, 1, "buffer");
  size_t n = ReadSize(info, 2, b);
  int flags = ArgIntOr(info, 3, "flags", 0);
  SockAddr sa;
  sa.len = sizeof sa.storage;
  memset(&sa.storage, 0, sizeof(sa_family_t));
  long r = RetryNeg([&] { return recvfrom(fd, b.data, n, flags, sa.sa(), &sa.len); });
  if (r < 0) return Num(env, r);
  GetData(env)->result[0] = static_cast<int32_t>(r);
  return MakeSockaddr(env, sa.sa(), sa.len);
}

// fcntl(fd, cmd, arg) -> result (F_GETFD/F_SETFD/F_GETFL/F_SETFL)
static Napi::Value Fcntl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd"), cmd = ArgInt(info, 1, "cmd"), arg = ArgIntOr(info, 2, "arg", 0);
  switch (cmd) {
    case F_GETFD: case F_SETFD: case F_GETFL: case F_SETFL: break;
    default: ThrowRange(env, "fcntl: only F_GETFD, F_SETFD, F_GETFL and F_SETFL are supported");
  }
  long r = RetryNeg([&] { return fcntl(fd, cmd, arg); });
  if (r < 0) ThrowErrno(env, static_cast<int>(-r), "fcntl");
  return Num(env, r);
}

// dup(fd) -> new fd, close-on-exec (F_DUPFD_CLOEXEC). It shares the open file
// description, O_NONBLOCK included.
static Napi::Value Dup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int nfd = fcntl(ArgInt(info, 0, "fd"), F_DUPFD_CLOEXEC, 0);
  if (nfd == -1) ThrowErrno(env, errno, "dup");
  TrackFd(env, nfd);
  return Num(env, nfd);
}

// poll(fd, events, timeoutMs) -> revents (0 on timeout). timeoutMs < 0 waits
// forever. EINTR is retried with the time left recomputed from a monotonic
// deadline, so a signal storm can neither shorten nor stretch the wait.
static Napi::Value Poll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pollfd p{};
  p.fd = ArgInt(info, 0, "fd");
  p.events = IntOf<short>(env, info[1], "events");
  double timeout = info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : -1;
  if (std::isnan(timeout)) timeout = -1;
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::duration<double, std::milli>(timeout < 0 ? 0 : timeout);
  for (;;) {
    int ms = -1;
    if (timeout >= 0) {
      double left = std::chrono::duration<double, std::milli>(deadline - Clock::now()).count();
      // Round up: waking 0.4 ms early would report a timeout before the deadline.
      ms = left <= 0 ? 0 : left >= 2147483647.0 ? 2147483647 : static_cast<int>(left + 0.999);
    }
    int r = poll(&p, 1, ms);
    if (r >= 0) return Num(env, r == 0 ? 0 : p.revents);
    if (errno != EINTR) ThrowErrno(env, errno, "poll");
  }
}

// Ownership: an fd handed out (detach) is forgotten by the cleanup hook; an fd
// adopted (socket(fileno=...)) is remembered and made nonblocking + cloexec.
static Napi::Value Detach(const Napi::CallbackInfo& info) {
  UntrackFd(info.Env(), ArgInt(info, 0, "fd"));
  return info.Env().Undefined();
}
// adopt(fd) -> 0 | -errno: -EBUSY when a live Socket of this environment
// owns the fd already (two owners would close it twice, and the second's
// poll handle would watch a closed or foreign fd).
static Napi::Value Adopt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  if (OwnsFd(GetData(env), fd) == 0) return Num(env, -EBUSY);
  int fl = fcntl(fd, F_GETFL);
  if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1) return Num(env, -errno);
  TrackFd(env, fd);
  return Num(env, 0);
}

// fdIno(fd) -> the fd's inode number (st_ino), or -errno. A Socket keeps
// the one of its fd, so that close() and detach() after the fd was closed
// behind its back never touch the number's next owner.
static Napi::Value FdIno(const Napi::CallbackInfo& info) {
  struct stat st;
  if (fstat(ArgInt(info, 0, "fd"), &st) == -1) return Num(info.Env(), -errno);
  return Num(info.Env(), static_cast<double>(st.st_ino));
}

void InitSocket(Napi::Env env, Napi::Object exports) {
  AddonData* data = GetData(env);
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, 2 * sizeof(int32_t));
  Napi::TypedArrayOf<int32_t> result = Napi::TypedArrayOf<int32_t>::New(env, 2, ab, 0);
  data->result = static_cast<int32_t*>(ab.Data());
  napi_create_reference(env, result, 1, &data->result_ref);
  exports.Set("result", result);
  struct { const char* name; Napi::Value (*fn)(const Napi::CallbackInfo&); } fns[] = {
      {"socket", Socket},           {"socketpair", Socketpair}, {"bind", Bind},
      {"listen", Listen},           {"accept", Accept},         {"connect", Connect},
      {"shutdown", Shutdown},       {"close", Close},           {"getsockname", Getsockname},
      {"getpeername", Getpeername}, {"getsockopt", Getsockopt}, {"setsockopt", Setsockopt},
      {"send", Send},               {"sendto", Sendto},         {"recv_into", RecvInto},
      {"recvfrom_into", RecvfromInto}, {"fcntl", Fcntl},        {"dup", Dup},
      {"poll", Poll},               {"detach", Detach},         {"adopt", Adopt},
      {"fdIno", FdIno},
  };
  for (auto& f : fns) exports.Set(f.name, Napi::Function::New(env, f.fn, f.name));
}

}  // namespace bsdsock
