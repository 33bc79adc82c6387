// Readiness for the async API: one uv_poll_t per socket fd on the
// environment's own loop (never uv_default_loop: that would break workers).
// lib/readiness.ts owns all the bookkeeping; this file only starts, stops and
// closes handles, and hands one loop iteration's events to JS in one call.
//
// The protocol with lib/readiness.ts:
// - pollSetup(dispatch) returns a shared Int32Array. Slot 0 is 1 while a
//   dispatch (and the microtasks after it) runs, slot 1 is JS's "someone is
//   waiting" flag, and from slot 2 on come (id, events, read) triples:
//   events is UV_READABLE | UV_WRITABLE, -1 when libuv reported an error
//   (POLLERR) and stopped the handle, or -2 when the fd was found closed
//   behind the socket's back before libuv was handed it (OnVerify) and the
//   handle stopped; read is kNoRead, or the result of a completion read.
// - Completion reads: pollInto(id, typedArray | null, nbytes) registers the
//   buffer of a socket's async recv_into. While JS sets wants[id] (the
//   second array pollSetup returns: the head reader waits on that buffer),
//   a readable event makes native do the recv(2) (MSG_DONTWAIT) before
//   entering JS, and hand over the count or -errno: the waiting reader
//   completes without an N-API call, ~1,000 instructions per read.
// - pollOpen(fd) -> id (>= 0) or -errno; pollStart(id, mask, verify?) -> 0
//   or -errno (mask 0 stops); pollClose(id); pollRef(on).
// Poll handles never keep the loop alive themselves (they stay armed between
// calls, see readiness.ts): one uv_async_t does, while JS says someone waits.
//
// Rules (libuv's uv_poll docs): one active poll handle per fd; stop and close
// the handle before the fd is closed, so no stale event reaches a reused fd
// number. libuv must never be handed a dead or foreign fd: epoll_ctl failing
// inside uv__io_poll aborts the process (libuv#5130), so every start checks
// that the fd is still the socket it was opened on (same st_dev / st_ino).
//
// Every function here may run while a worker is being terminated: only raw
// N-API calls whose failure is checked, and no C++ exception leaves a libuv
// callback.
#include "bsdsock.h"

#include <sys/stat.h>

#include <cerrno>

namespace bsdsock {

struct PollHandle {
  uv_poll_t poll;
  PollState* state;
  int fd;
  int32_t id;
  dev_t dev;
  ino_t ino;
  int events = 0;     // the mask libuv is watching (0: stopped)
  int32_t last = 0;   // the event queued for the next dispatch
  bool queued = false;
  bool closed = false;
  bool verify = false;  // started this iteration: checked again before the poll phase
  napi_ref into = nullptr;  // pollInto's buffer (a TypedArray), kept alive until replaced or closed
  size_t into_n = 0;        // bytes to read into it, 0: all of it
};

constexpr uint32_t kHeader = 2;             // [in dispatch, want ref]
constexpr uint32_t kMaxEvents = 1024;       // events handed to JS per call
constexpr uint32_t kRecord = 3;             // (id, events, read)
constexpr uint32_t kShared = kHeader + kRecord * kMaxEvents;
constexpr uint32_t kMaxWants = 65536;       // ids that may have completion reads
constexpr int32_t kNoRead = INT32_MIN;

struct PollState {
  AddonData* data;
  std::vector<PollHandle*> slots;   // id -> handle (nullptr: free)
  std::vector<int32_t> free_ids;
  std::vector<PollHandle*> ready;
  std::vector<PollHandle*> started;  // handles started this iteration (see OnVerify)
  uv_check_t dispatch{};
  uv_prepare_t verify{};
  uv_async_t keepalive{};
  bool ref = false;
  int32_t* shared = nullptr;
  napi_ref shared_ref = nullptr;
  uint8_t* wants = nullptr;  // id -> 1: do the completion read (set by JS, cleared here)
  napi_ref wants_ref = nullptr;
  napi_ref dispatcher = nullptr;
  napi_ref resource = nullptr;
  napi_async_context ctx = nullptr;
  size_t closing = 0;      // uv_close callbacks still due
  bool env_gone = false;   // the environment's cleanup ran: free on last close
  napi_async_cleanup_hook_handle cleanup = nullptr;
};

static void MaybeFree(PollState* st) {
  if (st->closing != 0) return;
  if (st->cleanup != nullptr) {
    napi_async_cleanup_hook_handle hook = st->cleanup;
    st->cleanup = nullptr;
    napi_remove_async_cleanup_hook(hook);
  }
  if (st->env_gone) delete st;
}

static void OnHandleClosed(uv_handle_t* h) {
  auto* ph = static_cast<PollHandle*>(h->data);
  PollState* st = ph->state;
  if (ph->verify) {  // started and closed before the next prepare phase
    auto& v = st->started;
    for (size_t i = 0; i < v.size(); i++) {
      if (v[i] == ph) {
        v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
    }
  }
  // The id is reused only now, after the closing phase: no event of this
  // iteration can be dispatched under it any more.
  if (!st->env_gone && ph->id >= 0) {
    st->slots[ph->id] = nullptr;
    st->free_ids.push_back(ph->id);
  }
  delete ph;
  st->closing--;
  MaybeFree(st);
}

static void OnStateHandleClosed(uv_handle_t* h) {
  auto* st = static_cast<PollState*>(h->data);
  st->closing--;
  MaybeFree(st);
}

static void DropInto(napi_env env, PollHandle* ph) {
  if (ph->into == nullptr) return;
  napi_delete_reference(env, ph->into);
  ph->into = nullptr;
}

static void CloseHandle(PollHandle* ph) {
  if (ph->closed) return;
  ph->closed = true;
  if (!ph->state->env_gone) DropInto(ph->state->data->env, ph);
  ph->state->closing++;
  // uv_close stops the poll first: the fd is out of epoll when this returns.
  uv_close(reinterpret_cast<uv_handle_t*>(&ph->poll), OnHandleClosed);
}

static void SetRef(PollState* st, bool on) {
  if (on == st->ref) return;
  st->ref = on;
  if (on) uv_ref(reinterpret_cast<uv_handle_t*>(&st->keepalive));
  else uv_unref(reinterpret_cast<uv_handle_t*>(&st->keepalive));
}

// The fd is still the file it was when the handle was opened.
static int CheckFd(PollHandle* ph) {
  struct stat s;
  if (fstat(ph->fd, &s) == -1) return -errno;
  if (s.st_dev != ph->dev || s.st_ino != ph->ino) return -EBADF;
  return 0;
}

// Stop a handle whose fd is no longer its socket's. Only while libuv still
// watches it: uv_poll_stop also takes the fd *number* out of epoll
// (uv__platform_invalidate_fd), and once the handle is stopped that number
// may belong to another socket's registration.
static void StopDead(PollHandle* ph) {
  if (ph->events != 0) uv_poll_stop(&ph->poll);
  ph->events = 0;
}

static void OnDispatch(uv_check_t* check);

static void Queue(PollHandle* ph, int32_t event) {
  ph->last = event;
  if (ph->queued) return;
  ph->queued = true;
  PollState* st = ph->state;
  st->ready.push_back(ph);
  if (st->ready.size() == 1) uv_check_start(&st->dispatch, OnDispatch);
}

// The prepare phase, right before libuv's poll phase, where it hands the
// handles started since to epoll_ctl and aborts if one fails (libuv#5130):
// an fd closed behind its socket's back after pollStart checked it, in the
// same loop iteration, is stopped here instead, and its socket told (-2).
static void OnVerify(uv_prepare_t* prep) {
  auto* st = static_cast<PollState*>(prep->data);
  uv_prepare_stop(prep);
  std::vector<PollHandle*> started;
  started.swap(st->started);
  for (PollHandle* ph : started) {
    ph->verify = false;
    if (ph->closed || ph->events == 0 || CheckFd(ph) == 0) continue;
    StopDead(ph);
    Queue(ph, -2);
  }
}

static void OnPoll(uv_poll_t* h, int status, int events) {
  auto* ph = static_cast<PollHandle*>(h->data);
  if (ph->closed) return;
  // libuv reports POLLERR (a pending socket error) as UV_EBADF and stops the
  // handle itself (uv__poll_io).
  if (status < 0) ph->events = 0;
  Queue(ph, status < 0 ? -1 : events);
}

// Calls the JS dispatcher with `count` events already in the shared array.
// An exception from it (a readiness callback threw) is an uncaught exception,
// as from an 'data' listener; if JS cannot run at all (worker terminating),
// the rest of the batch is dropped: the polls are level-triggered and fire
// again for whoever is still there.
static bool CallDispatcher(napi_env env, PollState* st, napi_value fn, napi_value global, uint32_t count) {
  napi_value arg, result;
  if (napi_create_uint32(env, count, &arg) != napi_ok) return false;
  if (napi_call_function(env, global, fn, 1, &arg, &result) == napi_ok) return true;
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) != napi_ok || !pending) return false;
  napi_value exc;
  if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) napi_fatal_exception(env, exc);
  return true;
}

// The recv(2) of the socket's head reader, if JS asked for it (wants) and
// the event is readable: count or -errno, kNoRead if not done. The buffer is
// looked up again now, so one detached or shrunk (resizable ArrayBuffer)
// since pollInto is not read into: JS's own attempt then reports it. Runs
// before any JS of this iteration, which settles the reader first thing.
static int32_t CompletionRead(napi_env env, PollState* st, PollHandle* ph) {
  if (ph->last <= 0 || (ph->last & UV_READABLE) == 0 || ph->into == nullptr) return kNoRead;
  if (ph->id < 0 || static_cast<uint32_t>(ph->id) >= kMaxWants || st->wants[ph->id] == 0) return kNoRead;
  st->wants[ph->id] = 0;
  napi_value v = nullptr, ab = nullptr;
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* data = nullptr;
  if (napi_get_reference_value(env, ph->into, &v) != napi_ok || v == nullptr ||
      napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset) != napi_ok || data == nullptr)
    return kNoRead;
  size_t bytes = length * TypedArrayElementSize(type);
  size_t n = ph->into_n == 0 ? bytes : ph->into_n;
  if (n > bytes || n == 0) return kNoRead;
  long r = RetryNeg([&] { return recv(ph->fd, data, n, MSG_DONTWAIT); });
  return r > INT32_MAX ? INT32_MAX : static_cast<int32_t>(r);  // -errno, or a count: MAX_RW_COUNT < 2^31 anyway
}

// The check phase right after libuv's poll phase: hand every queued event to
// JS in one call inside one callback scope, so microtasks run once per loop
// iteration, not once per ready socket. A handle closed meanwhile is skipped;
// handles are freed only in the closing phase, after this.
static void OnDispatch(uv_check_t* check) {
  auto* st = static_cast<PollState*>(check->data);
  uv_check_stop(check);
  napi_env env = st->data->env;
  std::vector<PollHandle*> batch;
  batch.swap(st->ready);
  for (PollHandle* ph : batch) ph->queued = false;

  napi_handle_scope hs = nullptr;
  napi_callback_scope cs = nullptr;
  napi_value fn = nullptr, resource = nullptr, global = nullptr;
  bool ok = napi_open_handle_scope(env, &hs) == napi_ok && napi_get_reference_value(env, st->dispatcher, &fn) == napi_ok &&
            fn != nullptr && napi_get_reference_value(env, st->resource, &resource) == napi_ok && resource != nullptr &&
            napi_get_global(env, &global) == napi_ok && napi_open_callback_scope(env, resource, st->ctx, &cs) == napi_ok;
  if (ok) {
    st->shared[0] = 1;
    uint32_t n = 0;
    for (PollHandle* ph : batch) {
      if (ph->closed) continue;
      int32_t* rec = st->shared + kHeader + kRecord * n;
      rec[0] = ph->id;
      rec[1] = ph->last;
      rec[2] = CompletionRead(env, st, ph);
      if (++n == kMaxEvents) {
        if (!CallDispatcher(env, st, fn, global, n)) break;
        n = 0;
      }
    }
    if (n > 0) CallDispatcher(env, st, fn, global, n);
  }
  if (cs != nullptr) napi_close_callback_scope(env, cs);  // microtasks and nextTicks run here
  if (hs != nullptr) napi_close_handle_scope(env, hs);
  if (st->env_gone) return;
  st->shared[0] = 0;
  // JS only writes its wish while a dispatch runs (see readiness.ts).
  SetRef(st, st->shared[1] != 0);
}

static PollState* State(const Napi::CallbackInfo& info) {
  PollState* st = GetData(info.Env())->poll;
  if (st == nullptr || st->shared == nullptr) ThrowType(info.Env(), "bsdsock: pollSetup() was not called");
  return st;
}

static PollHandle* Handle(const Napi::CallbackInfo& info) {
  PollState* st = State(info);
  int32_t id = ArgInt(info, 0, "id");
  if (id < 0 || static_cast<size_t>(id) >= st->slots.size() || st->slots[id] == nullptr || st->slots[id]->closed)
    ThrowRange(info.Env(), "no open poll handle with this id");
  return st->slots[id];
}


// pollSetup(dispatch(count)) -> [shared Int32Array, wants Uint8Array]. Once per environment.
static Napi::Value PollSetup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) ThrowType(env, "The \"dispatch\" argument must be a function");
  PollState* st = GetData(env)->poll;
  if (st->shared != nullptr) ThrowType(env, "bsdsock: pollSetup() was already called");
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, kShared * sizeof(int32_t));
  Napi::Int32Array arr = Napi::Int32Array::New(env, kShared, ab, 0);
  Napi::ArrayBuffer wab = Napi::ArrayBuffer::New(env, kMaxWants);
  Napi::Uint8Array wants = Napi::Uint8Array::New(env, kMaxWants, wab, 0);
  st->shared = static_cast<int32_t*>(ab.Data());
  st->wants = static_cast<uint8_t*>(wab.Data());
  napi_create_reference(env, arr, 1, &st->shared_ref);
  napi_create_reference(env, wants, 1, &st->wants_ref);
  napi_create_reference(env, info[0], 1, &st->dispatcher);
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, arr);
  out.Set(1u, wants);
  return out;
}

// pollOpen(fd) -> id, or -errno (EBADF: not an open fd; EEXIST: another
// handle of this environment still watches this fd).
static Napi::Value PollOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PollState* st = State(info);
  int fd = ArgInt(info, 0, "fd");
  struct stat s;
  if (fd < 0 || fstat(fd, &s) == -1) return Napi::Number::New(env, -(fd < 0 ? EBADF : errno));
  auto* ph = new PollHandle{};
  int r = uv_poll_init_socket(st->data->loop, &ph->poll, fd);
  if (r == UV_EEXIST) {
    // A handle whose fd was closed behind its socket's back may still hold
    // this fd number in libuv: it is dead, so stop it and take the number.
    for (PollHandle* old : st->slots) {
      if (old != nullptr && !old->closed && old->fd == fd && CheckFd(old) != 0) {
        uv_poll_stop(&old->poll);
        old->events = 0;
      }
    }
    r = uv_poll_init_socket(st->data->loop, &ph->poll, fd);
  }
  if (r != 0) {
    delete ph;
    return Napi::Number::New(env, r);  // libuv errors are -errno on Unix
  }
  uv_unref(reinterpret_cast<uv_handle_t*>(&ph->poll));
  ph->poll.data = ph;
  ph->state = st;
  ph->fd = fd;
  ph->dev = s.st_dev;
  ph->ino = s.st_ino;
  if (st->free_ids.empty()) {
    ph->id = static_cast<int32_t>(st->slots.size());
    st->slots.push_back(ph);
  } else {
    ph->id = st->free_ids.back();
    st->free_ids.pop_back();
    st->slots[ph->id] = ph;
  }
  if (static_cast<uint32_t>(ph->id) < kMaxWants) st->wants[ph->id] = 0;  // never a previous owner's wish
  return Napi::Number::New(env, ph->id);
}

// pollStart(id, mask) -> 0 or -errno. Mask 0 stops. uv_poll_start always
// stops first, and stopping deletes the fd from epoll: lib/ calls this only
// when the mask changes.
// With `verify`, the fd is checked even when the mask is unchanged (a new
// readiness callback on an armed poll: its fd may have been closed behind
// the socket's back, and epoll then silently forgot it).
static Napi::Value PollStart(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PollHandle* ph = Handle(info);
  int mask = ArgInt(info, 1, "events") & (UV_READABLE | UV_WRITABLE);
  if (mask == ph->events) {
    int r = info[2].IsUndefined() || !info[2].ToBoolean().Value() || mask == 0 ? 0 : CheckFd(ph);
    if (r != 0) StopDead(ph);
    return Napi::Number::New(env, r);
  }
  if (mask == 0) {
    uv_poll_stop(&ph->poll);
    ph->events = 0;
    return Napi::Number::New(env, 0);
  }
  int r = CheckFd(ph);
  if (r == 0) r = uv_poll_start(&ph->poll, mask, OnPoll);
  if (r != 0) {
    StopDead(ph);
    return Napi::Number::New(env, r);
  }
  ph->events = mask;
  if (!ph->verify) {
    ph->verify = true;
    PollState* st = ph->state;
    st->started.push_back(ph);
    if (st->started.size() == 1) uv_prepare_start(&st->verify, OnVerify);
  }
  return Napi::Number::New(env, 0);
}

// pollInto(id, typedArray | null, nbytes): the buffer completion reads of
// this handle go to (null: none). nbytes 0 means the whole buffer.
static Napi::Value PollInto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PollHandle* ph = Handle(info);
  if (!info[1].IsNull() && !info[1].IsTypedArray()) ThrowType(env, "The \"buffer\" argument must be a TypedArray or null");
  int64_t n = IntIn(env, info[2], "nbytes", 0, INT32_MAX);
  DropInto(env, ph);
  if (!info[1].IsNull()) napi_create_reference(env, info[1], 1, &ph->into);
  ph->into_n = static_cast<size_t>(n);
  return env.Undefined();
}

static Napi::Value PollClose(const Napi::CallbackInfo& info) {
  CloseHandle(Handle(info));
  return info.Env().Undefined();
}

// pollRef(on): keep the loop alive (someone waits) or not.
static Napi::Value PollRef(const Napi::CallbackInfo& info) {
  PollState* st = State(info);
  SetRef(st, info[0].ToBoolean().Value());
  return info.Env().Undefined();
}

// The environment's async cleanup hook: close every handle; the hook is
// removed (MaybeFree) once the last uv_close callback has run, so a worker's
// loop is never closed with a handle of ours still open. JS can no longer
// run, but references can still be deleted.
void ClosePollsForCleanup(AddonData* data, napi_async_cleanup_hook_handle hook) {
  PollState* st = data->poll;
  if (st == nullptr) {
    napi_remove_async_cleanup_hook(hook);
    return;
  }
  data->poll = nullptr;
  napi_env env = data->env;
  if (st->shared_ref != nullptr) napi_delete_reference(env, st->shared_ref);
  if (st->wants_ref != nullptr) napi_delete_reference(env, st->wants_ref);
  for (PollHandle* ph : st->slots) {
    if (ph != nullptr) DropInto(env, ph);
  }
  if (st->dispatcher != nullptr) napi_delete_reference(env, st->dispatcher);
  if (st->resource != nullptr) napi_delete_reference(env, st->resource);
  if (st->ctx != nullptr) napi_async_destroy(env, st->ctx);
  st->shared = nullptr;
  st->wants = nullptr;
  st->cleanup = hook;
  st->env_gone = true;
  st->ready.clear();
  st->started.clear();
  st->closing += 3;
  uv_close(reinterpret_cast<uv_handle_t*>(&st->verify), OnStateHandleClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&st->dispatch), OnStateHandleClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&st->keepalive), OnStateHandleClosed);
  for (PollHandle* ph : st->slots) {
    if (ph != nullptr && !ph->closed) CloseHandle(ph);
  }
  st->slots.clear();
}

static void NoopAsync(uv_async_t*) {}

void InitPoll(Napi::Env env, Napi::Object exports) {
  AddonData* data = GetData(env);
  auto* st = new PollState();
  st->data = data;
  data->poll = st;
  uv_check_init(data->loop, &st->dispatch);
  st->dispatch.data = st;
  uv_unref(reinterpret_cast<uv_handle_t*>(&st->dispatch));  // never keeps the loop alive by itself
  uv_prepare_init(data->loop, &st->verify);
  st->verify.data = st;
  uv_unref(reinterpret_cast<uv_handle_t*>(&st->verify));
  uv_async_init(data->loop, &st->keepalive, NoopAsync);
  st->keepalive.data = st;
  uv_unref(reinterpret_cast<uv_handle_t*>(&st->keepalive));
  Napi::Object resource = Napi::Object::New(env);
  napi_create_reference(env, resource, 1, &st->resource);
  if (napi_async_init(env, resource, Napi::String::New(env, "bsdsock:dispatch"), &st->ctx) != napi_ok)
    throw Napi::Error::New(env, "bsdsock: napi_async_init failed");
  struct {
    const char* name;
    Napi::Value (*fn)(const Napi::CallbackInfo&);
  } fns[] = {{"pollSetup", PollSetup}, {"pollOpen", PollOpen}, {"pollStart", PollStart},
             {"pollClose", PollClose}, {"pollRef", PollRef}, {"pollInto", PollInto}};
  for (auto& f : fns) exports.Set(f.name, Napi::Function::New(env, f.fn, f.name));
  exports.Set("UV_READABLE", Napi::Number::New(env, UV_READABLE));
  exports.Set("UV_WRITABLE", Napi::Number::New(env, UV_WRITABLE));
}

}  // namespace bsdsock
