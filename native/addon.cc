// Module entry: per-environment state and the cleanup hook that closes what
// the environment left open (sockets of an exiting worker_thread, say).
#include "bsdsock.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#if defined(_WIN32)
#error "bsdsock supports POSIX systems only; on Windows, loading fails with a clear error from lib/binding.ts"
#endif

namespace bsdsock {

AddonData* GetData(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

void TrackFd(Napi::Env env, int fd) {
  struct stat st {};
  if (fstat(fd, &st) == -1) st = {};
  GetData(env)->fds[fd] = {st.st_dev, st.st_ino};
}
void UntrackFd(Napi::Env env, int fd) { GetData(env)->fds.erase(fd); }

int OwnsFd(AddonData* data, int fd) {
  auto it = data->fds.find(fd);
  struct stat st;
  if (it == data->fds.end() || fstat(fd, &st) == -1) return -EBADF;
  return st.st_dev == it->second.first && st.st_ino == it->second.second ? 0 : -EBADF;
}

// Runs when the environment is torn down (process exit, worker exit). It is
// an *async* cleanup hook because uv_close completes in a later loop turn:
// Node keeps spinning the loop until we call napi_remove_async_cleanup_hook,
// so no poll handle is left open when a worker's loop is closed.
static void AsyncCleanup(napi_async_cleanup_hook_handle handle, void* arg) {
  auto* data = static_cast<AddonData*>(arg);
  // Poll handles first: an fd must never be closed while libuv still polls
  // it (uv_close takes it out of epoll at once; the hook ends later).
  ClosePollsForCleanup(data, handle);
  for (auto& [fd, id] : data->fds) {
    if (OwnsFd(data, fd) == 0) close(fd);  // never a number reused by someone else
  }
  data->fds.clear();
}

// Instance-data finalizer: runs after the cleanup hooks.
static void FinalizeData(Napi::Env env, AddonData* data) {
  data->error_factory.Reset();
  data->gai_factory.Reset();
  ReleaseAddrCache(env, data);
  if (data->result_ref != nullptr) napi_delete_reference(env, data->result_ref);
  delete data;
}

static Napi::Value OpenFds(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(GetData(info.Env())->fds.size()));
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  if (napi_get_uv_event_loop(env, &data->loop) != napi_ok) {
    delete data;
    NAPI_THROW(Napi::Error::New(env, "bsdsock: no event loop"), exports);
  }
  data->env = env;
  env.SetInstanceData<AddonData, FinalizeData>(data);
  // Without the hook a worker's fds would leak and its poll handles would
  // outlive its loop: refuse to load rather than run without it. (data is
  // instance data already: FinalizeData frees it.)
  napi_async_cleanup_hook_handle h;
  napi_status st = napi_add_async_cleanup_hook(env, AsyncCleanup, data, &h);
  if (st != napi_ok)
    throw Napi::Error::New(env, "bsdsock: napi_add_async_cleanup_hook failed (napi_status " + std::to_string(st) + ")");

  exports.Set("openFdCount", Napi::Function::New(env, OpenFds, "openFdCount"));
  InitErrors(env, exports);
  InitSockaddr(env, exports);
  InitSocket(env, exports);
  InitPoll(env, exports);
  InitConstants(env, exports);
  InitNetdb(env, exports);
  InitMsg(env, exports);
  InitSelect(env, exports);
  return exports;
}

}  // namespace bsdsock

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return bsdsock::Init(env, exports); }
NODE_API_MODULE(bsdsock, InitAddon)
