// Shared declarations of the bsdsock addon. Each .cc file is one concern
// (socket calls, sockaddr conversion, readiness polling, constants, netdb)
// and registers its binding functions through its Init* function.
#pragma once

#include <napi.h>
#include <uv.h>

#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <string>
#include <unordered_set>
#include <vector>

namespace bsdsock {

struct PollHandle;

// A recently returned IPv4/IPv6 address: its sockaddr and the frozen JS
// tuple made for it (see MakeSockaddr).
struct AddrCacheEntry {
  sockaddr_storage sa;
  socklen_t len = 0;
  napi_ref ref = nullptr;
};
constexpr unsigned kAddrCacheSize = 8;

// Per-environment state (main thread and every worker_thread has its own):
// the fds this environment opened and still owns, and the live poll handles.
// An environment cleanup hook closes both, so a worker that exits with
// sockets open leaks nothing.
struct AddonData {
  napi_env env = nullptr;
  uv_loop_t* loop = nullptr;
  std::unordered_set<int> fds;
  std::unordered_set<PollHandle*> polls;
  Napi::FunctionReference error_factory;  // (errno, syscall, address) => SocketError
  Napi::FunctionReference gai_factory;    // (code, name, message, syscall, host) => GaiError
  Napi::FunctionReference poller_ctor;
  // Readiness events of one loop iteration, delivered to JS together from a
  // check handle (see poll.cc): one microtask checkpoint per iteration, not
  // one per ready socket.
  std::vector<PollHandle*> ready, dispatching;
  uv_check_t dispatch{};
  Napi::ObjectReference dispatch_resource;
  napi_async_context dispatch_ctx = nullptr;
  AddrCacheEntry addr_cache[kAddrCacheSize];
  unsigned addr_next = 0, addr_hit = 0;
  napi_async_cleanup_hook_handle cleanup = nullptr;
  // Poll handles whose uv_close callback is still due. AddonData outlives the
  // environment until the last one has run (env_gone marks that case).
  size_t closing = 0;
  bool env_gone = false;
};

AddonData* GetData(Napi::Env env);

// The one place errno becomes a JS exception: calls the SocketError factory
// that lib/ registered, so C++ and TypeScript errors are the same class.
[[noreturn]] void ThrowErrno(Napi::Env env, int err, const char* syscall,
                             Napi::Value address = Napi::Value());
[[noreturn]] void ThrowType(Napi::Env env, const char* msg);
[[noreturn]] void ThrowRange(Napi::Env env, const char* msg);

// Argument checks: a wrong type is a TypeError naming the argument, never a
// crash, never a silent coercion.
int32_t ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name);
int32_t ArgIntOr(const Napi::CallbackInfo& info, size_t i, const char* name, int32_t dflt);
int64_t ArgInt64(const Napi::CallbackInfo& info, size_t i, const char* name);
// A finite whole number within 2^53: safe to cast to int64_t.
bool IsInteger(double d);

// A view of caller-owned bytes: Buffer, any TypedArray, DataView, ArrayBuffer.
struct Bytes {
  char* data;
  size_t len;
};
Bytes ArgBytes(const Napi::CallbackInfo& info, size_t i, const char* name);
bool IsBytes(Napi::Value v);
Bytes ToBytes(Napi::Env env, Napi::Value v, const char* name);

// sockaddr <-> JS address in Python's formats (see sockaddr.cc).
struct SockAddr {
  sockaddr_storage storage;
  socklen_t len;
  sockaddr* sa() { return reinterpret_cast<sockaddr*>(&storage); }
};
void ParseSockaddr(Napi::Env env, int family, Napi::Value addr, SockAddr* out);
void ReleaseAddrCache(napi_env env, AddonData* data);
Napi::Value MakeSockaddr(Napi::Env env, const sockaddr* sa, socklen_t len);

// Track / forget an fd owned by this environment.
void TrackFd(Napi::Env env, int fd);
void UntrackFd(Napi::Env env, int fd);

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

// Called by the environment cleanup hook: close every poll handle.
void ClosePollsForCleanup(AddonData* data);

}  // namespace bsdsock
