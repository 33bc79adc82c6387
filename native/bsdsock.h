// Shared declarations of the bsdsock addon. Each .cc file is one concern
// (socket calls, sockaddr conversion, readiness polling, constants, netdb)
// and registers its binding functions through its Init* function.
#pragma once

#include <napi.h>
#include <uv.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>

#include <cstddef>
#include <cstring>
#include <limits>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace bsdsock {

// A recently returned IPv4/IPv6 address: its sockaddr and the frozen JS
// tuple made for it (see MakeSockaddr).
struct AddrCacheEntry {
  sockaddr_storage sa;
  socklen_t len = 0;
  napi_ref ref = nullptr;
};
constexpr unsigned kAddrCacheSize = 8;

// Per-environment state (main thread and every worker_thread has its own):
// the fds this environment opened and still owns, and the poll handles
// (PollState). An environment cleanup hook closes both, so a worker that exits with
// sockets open leaks nothing.
struct PollState;  // poll.cc: the readiness handles and their dispatch

struct AddonData {
  napi_env env = nullptr;
  uv_loop_t* loop = nullptr;
  // fd -> (st_dev, st_ino) when it was opened: close() never closes a
  // number that was closed behind the socket's back and reused since.
  std::unordered_map<int, std::pair<dev_t, ino_t>> fds;
  Napi::FunctionReference error_factory;  // (errno, syscall, address) => SocketError
  Napi::FunctionReference gai_factory;    // (code, name, message, syscall, host) => GaiError
  PollState* poll = nullptr;  // outlives the environment until its last uv_close callback
  AddrCacheEntry addr_cache[kAddrCacheSize];
  unsigned addr_next = 0, addr_hit = 0;
  // binding.result, an Int32Array: [0] the count of a call whose return value
  // is its address (recvfrom_into, accept), so the hot path builds no
  // [count, address] array (napi_set_element on a new array measured
  // ~2,000 instructions per datagram); [1] the byte count send was given.
  int32_t* result = nullptr;
  napi_ref result_ref = nullptr;
};

AddonData* GetData(Napi::Env env);

// The one place errno becomes a JS exception: calls the SocketError factory
// that lib/ registered, so C++ and TypeScript errors are the same class.
[[noreturn]] void ThrowErrno(Napi::Env env, int err, const char* syscall,
                             Napi::Value address = Napi::Value());
[[noreturn]] void ThrowType(Napi::Env env, const char* msg);
[[noreturn]] void ThrowRange(Napi::Env env, const char* msg);

// Flags every send adds: no SIGPIPE, the error is EPIPE (where there is no
// MSG_NOSIGNAL, SO_NOSIGPIPE is set at creation instead).
#ifdef MSG_NOSIGNAL
inline constexpr int kSendFlags = MSG_NOSIGNAL;
#else
inline constexpr int kSendFlags = 0;
#endif

// The one EINTR idiom: call f() again while it fails with EINTR; its result,
// or -errno. Not for close(2), whose fd is gone even when it says EINTR.
template <typename F>
inline long RetryNeg(F f) {
  long r;
  do r = static_cast<long>(f());
  while (r == -1 && errno == EINTR);
  return r == -1 ? -static_cast<long>(errno) : r;
}

// Argument checks: a wrong type is a TypeError naming the argument, never a
// crash, never a silent coercion.
//
// IntIn is the one place a JS number becomes a C integer: not a number, NaN
// or a fraction is a TypeError (Python: "cannot be interpreted as an
// integer"), a whole number outside [min, max] (the C type's range, or a
// tighter one) is a RangeError (Python's OverflowError). Never a wrap: 2**32+1
// is not 1. It reads a number only (no valueOf), so it runs no JS.
int64_t IntIn(Napi::Env env, napi_value v, const char* name, int64_t min, int64_t max);
template <class T>
T IntOf(Napi::Env env, napi_value v, const char* name) {
  return static_cast<T>(IntIn(env, v, name, static_cast<int64_t>(std::numeric_limits<T>::min()),
                              static_cast<int64_t>(std::numeric_limits<T>::max())));
}
int32_t ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name);
int32_t ArgIntOr(const Napi::CallbackInfo& info, size_t i, const char* name, int32_t dflt);
// Any integer JS can hold exactly (|n| <= 2^53 - 1).
int64_t ArgInt64(const Napi::CallbackInfo& info, size_t i, const char* name);
// A finite whole number within 2^53: safe to cast to int64_t.
bool IsInteger(double d);
// Bytes per element of a TypedArray type.
size_t TypedArrayElementSize(napi_typedarray_type t);

// strerror(3) through strerror_r: the text of errno `err`, safe on any
// thread (the main thread, workers and pool threads run at once).
std::string ErrnoMessage(int err);

// A view of caller-owned bytes: Buffer, any TypedArray, DataView, ArrayBuffer.
// A buffer whose ArrayBuffer was detached (transferred) is a TypeError.
//
// The pointer is valid only until JS runs again: a getter, a valueOf or a
// Proxy trap can detach, transfer or shrink the buffer and free its memory
// (CPython #143637 / #143988). So a binding first reads every JS value it
// needs (every array element, every address), and only then takes raw
// pointers, with no JS in between, right before the syscall.
struct Bytes {
  char* data;
  size_t len;
};
Bytes ArgBytes(const Napi::CallbackInfo& info, size_t i, const char* name);
bool IsBytes(Napi::Value v);
Bytes ToBytes(Napi::Env env, Napi::Value v, const char* name);
// memcpy that is a no-op for n == 0: an empty view may have a NULL data
// pointer, and memcpy(dst, NULL, 0) is undefined behaviour (UBSan).
inline void CopyBytes(void* dst, const void* src, size_t n) {
  if (n > 0) memcpy(dst, src, n);
}

// sockaddr <-> JS address in Python's formats (see sockaddr.cc).
struct SockAddr {
  sockaddr_storage storage;
  socklen_t len;
  sockaddr* sa() { return reinterpret_cast<sockaddr*>(&storage); }
};
void ParseSockaddr(Napi::Env env, int family, Napi::Value addr, SockAddr* out);
void ReleaseAddrCache(napi_env env, AddonData* data);
Napi::Value MakeSockaddr(Napi::Env env, const sockaddr* sa, socklen_t len);

// O_NONBLOCK lives on the open file description, which another holder (a
// dup'ed socket that was detached, a child process, fcntl) may clear. A call
// that takes no MSG_DONTWAIT (connect, sendfile) runs with the flag set and
// restores it after, so it never blocks the event loop whatever the flag
// said. `call` returns a result or -errno.
template <typename F>
long WithNonblock(int fd, F call) {
  int fl = fcntl(fd, F_GETFL);
  if (fl == -1) return -errno;
  if (fl & O_NONBLOCK) return call();
  if (fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1) return -errno;
  long r = call();
  fcntl(fd, F_SETFL, fl);
  return r;
}

// Track / forget an fd owned by this environment. OwnsFd: the fd is tracked
// and is still the file it was when tracked (0), or -EBADF.
void TrackFd(Napi::Env env, int fd);
void UntrackFd(Napi::Env env, int fd);
int OwnsFd(AddonData* data, int fd);

// A getaddrinfo/getnameinfo failure as a JS error value (GaiError, or the
// SocketError of errno for EAI_SYSTEM).
Napi::Value GaiErrorValue(Napi::Env env, int code, int sys_errno, const char* syscall, const std::string* host);

void InitErrors(Napi::Env env, Napi::Object exports);
void InitSockaddr(Napi::Env env, Napi::Object exports);
void InitSocket(Napi::Env env, Napi::Object exports);
void InitPoll(Napi::Env env, Napi::Object exports);
void InitConstants(Napi::Env env, Napi::Object exports);
void InitNetdb(Napi::Env env, Napi::Object exports);
void InitMsg(Napi::Env env, Napi::Object exports);
void InitSelect(Napi::Env env, Napi::Object exports);

// Called by the environment's async cleanup hook: close every poll handle,
// then remove `hook` once libuv has closed them all.
void ClosePollsForCleanup(AddonData* data, napi_async_cleanup_hook_handle hook);

}  // namespace bsdsock
