// Readiness for the async API: one uv_poll_t per socket fd on the
// environment's own loop (never uv_default_loop: that would break workers).
//
// Rules (libuv's uv_poll docs): one active poll handle per fd; stop and close
// the handle before the fd is closed, so no stale event can reach a reused fd
// number. The JS Poller and its callback are kept alive while the poll is
// active; once stopped they are weak again, so a forgotten socket can be
// collected.
#include "bsdsock.h"

namespace bsdsock {

class Poller;

// Allocated apart from the Poller: libuv owns it until the close callback,
// which may run after the JS object has been collected.
struct PollHandle {
  uv_poll_t poll;
  Poller* owner;
  AddonData* data;
  int status = 0, events = 0;
  bool queued = false;
};

// One handle fewer to wait for; the last one ends the environment cleanup.
static void ClosingDone(AddonData* data) {
  if (--data->closing == 0) {
    if (data->cleanup != nullptr) {
      napi_async_cleanup_hook_handle hook = data->cleanup;
      data->cleanup = nullptr;
      napi_remove_async_cleanup_hook(hook);
    }
    if (data->env_gone) delete data;
  }
}

static void OnClosed(uv_handle_t* h) {
  auto* ph = static_cast<PollHandle*>(h->data);
  AddonData* data = ph->data;
  delete ph;
  ClosingDone(data);
}

static void OnDispatchClosed(uv_handle_t* h) {
  ClosingDone(static_cast<AddonData*>(h->data));
}

static void OnDispatch(uv_check_t* check);

class Poller : public Napi::ObjectWrap<Poller> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Poller",
                       {InstanceMethod<&Poller::Start>("start"), InstanceMethod<&Poller::Stop>("stop"),
                        InstanceMethod<&Poller::Weaken>("weaken"), InstanceMethod<&Poller::Close>("close")});
  }

  // new Poller(fd, callback(status, events))
  Poller(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Poller>(info) {
    Napi::Env env = info.Env();
    int fd = ArgInt(info, 0, "fd");
    if (!info[1].IsFunction()) ThrowType(env, "The \"callback\" argument must be a function");
    AddonData* data = GetData(env);
    ph_ = new PollHandle{{}, this, data};
    int r = uv_poll_init_socket(data->loop, &ph_->poll, fd);
    if (r != 0) {
      delete ph_;
      ph_ = nullptr;
      ThrowErrno(env, -r, "uv_poll_init");
    }
    ph_->poll.data = ph_;
    data->polls.insert(ph_);
    cb_ = Napi::Weak(info[1].As<Napi::Function>());
    ctx_ = new Napi::AsyncContext(env, "bsdsock:Poller", Value());
  }

  ~Poller() override {
    // Collected without close(): close the handle (the fd is the socket's).
    if (ph_ != nullptr) CloseHandle();
    delete ctx_;
  }

  // The environment is going away: its cleanup hook closes the handle.
  void Orphan() { ph_ = nullptr; }

 private:
  // start(events): UV_READABLE | UV_WRITABLE, and hold the JS objects strongly.
  // Re-arming with the same mask is cheap (libuv skips the epoll_ctl when
  // nothing changed).
  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int events = ArgInt(info, 0, "events") & (UV_READABLE | UV_WRITABLE);
    if (ph_ == nullptr) ThrowErrno(env, EBADF, "uv_poll_start");
    if (events == 0) return Stop(info);
    // uv_poll_start always stops first, and stopping deletes the fd from
    // epoll (uv__platform_invalidate_fd): two epoll_ctl calls. Skip it when
    // the mask is unchanged.
    if (events != events_) {
      int r = uv_poll_start(&ph_->poll, events, OnPoll);
      if (r != 0) ThrowErrno(env, -r, "uv_poll_start");
      events_ = events;
    }
    if (!strong_) {
      strong_ = true;
      Ref();
      cb_.Ref();
    }
    return env.Undefined();
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    if (ph_ != nullptr) uv_poll_stop(&ph_->poll);
    events_ = 0;
    Weaken(info);
    return info.Env().Undefined();
  }

  // weaken(): keep polling, but no longer keep the socket alive. lib/ arms a
  // poll ahead of the next recv (to spare epoll_ctl calls); with nobody
  // waiting, a socket the program dropped must still be collectable.
  Napi::Value Weaken(const Napi::CallbackInfo& info) {
    if (strong_) {
      strong_ = false;
      cb_.Unref();
      Unref();
    }
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (ph_ != nullptr) CloseHandle();
    Weaken(info);
    return info.Env().Undefined();
  }

  void CloseHandle() {
    ph_->owner = nullptr;
    ph_->data->polls.erase(ph_);
    ph_->data->closing++;
    // uv_close stops the poll first: the fd is out of epoll when this returns.
    uv_close(reinterpret_cast<uv_handle_t*>(&ph_->poll), OnClosed);
    ph_ = nullptr;
  }

  // libuv's callback: queue the event; OnDispatch delivers the iteration's
  // events together once the poll phase is over.
  static void OnPoll(uv_poll_t* h, int status, int events) {
    auto* ph = static_cast<PollHandle*>(h->data);
    Poller* self = ph->owner;
    if (self == nullptr) return;
    // libuv stops the handle itself on an error status (uv__poll_io).
    if (status < 0) self->events_ = 0;
    if (!self->strong_) {
      // Weak: armed ahead of a call that did not come (see Weaken). Nobody
      // waits, so stop watching; lib/ starts again when someone does.
      uv_poll_stop(h);
      self->events_ = 0;
      return;
    }
    ph->status = status;
    ph->events = events;
    if (ph->queued) return;
    ph->queued = true;
    AddonData* data = ph->data;
    data->ready.push_back(ph);
    if (data->ready.size() == 1) uv_check_start(&data->dispatch, OnDispatch);
  }

  // Calls the socket's callback. Nested in OnDispatch's callback scope, so
  // microtasks run once for the whole batch; each socket keeps its own async
  // context (AsyncLocalStorage follows the socket, as with Node's handles).
  void Deliver(int status, int events) {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    Napi::Function cb = cb_.Value();
    Napi::Object recv = Value();
    if (cb.IsEmpty() || recv.IsEmpty()) return;
    // Raw N-API, not Napi::Function::MakeCallback: when a worker is being
    // terminated the call fails with no exception pending (JS can no longer
    // run), and node-addon-api would then build an Error object, which fails
    // too and aborts the whole process ("FATAL ERROR: Error::Error
    // napi_define_properties"; seen with an event racing worker.terminate()).
    napi_value argv[2] = {Napi::Number::New(env, status), Napi::Number::New(env, events)};
    napi_value result;
    if (napi_make_callback(env, *ctx_, recv, cb, 2, argv, &result) == napi_ok) return;
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) != napi_ok || !pending) return;  // env going away
    // An exception thrown by user code in a readiness callback is an
    // uncaught exception, as it would be from an 'data' listener.
    napi_value exc;
    if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) napi_fatal_exception(env, exc);
  }

  friend void OnDispatch(uv_check_t* check);

  PollHandle* ph_ = nullptr;
  Napi::FunctionReference cb_;
  Napi::AsyncContext* ctx_ = nullptr;
  int events_ = 0;
  bool strong_ = false;
};

// The check phase right after libuv's poll phase: deliver every queued event
// inside one callback scope. Entering JS and draining microtasks once per loop
// iteration instead of once per ready socket is what makes 50 busy
// connections cheap. A handle closed meanwhile has owner == nullptr and is
// skipped; PollHandles are freed only in the closing phase, after this.
static void OnDispatch(uv_check_t* check) {
  auto* data = static_cast<AddonData*>(check->data);
  uv_check_stop(check);
  data->dispatching.swap(data->ready);
  napi_env env = data->env;
  // If JS cannot be entered (a worker being terminated), the events are
  // dropped, but every handle can be queued again.
  napi_handle_scope hs = nullptr;
  napi_callback_scope cs = nullptr;
  bool scoped = napi_open_handle_scope(env, &hs) == napi_ok;
  if (scoped) {
    napi_value resource = nullptr;
    scoped = napi_get_reference_value(env, data->dispatch_resource, &resource) == napi_ok && resource != nullptr &&
             napi_open_callback_scope(env, resource, data->dispatch_ctx, &cs) == napi_ok;
  }
  for (PollHandle* ph : data->dispatching) {
    ph->queued = false;
    if (ph->owner != nullptr && scoped) ph->owner->Deliver(ph->status, ph->events);
  }
  data->dispatching.clear();
  if (cs != nullptr) napi_close_callback_scope(env, cs);  // microtasks and nextTicks run here
  if (hs != nullptr) napi_close_handle_scope(env, hs);
}

void ClosePollsForCleanup(AddonData* data) {
  data->ready.clear();
  data->closing++;
  uv_close(reinterpret_cast<uv_handle_t*>(&data->dispatch), OnDispatchClosed);
  for (PollHandle* ph : data->polls) {
    if (ph->owner != nullptr) ph->owner->Orphan();
    ph->owner = nullptr;
    data->closing++;
    uv_close(reinterpret_cast<uv_handle_t*>(&ph->poll), OnClosed);
  }
  data->polls.clear();
}

void InitPoll(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = Poller::Define(env);
  AddonData* data = GetData(env);
  data->poller_ctor = Napi::Persistent(ctor);
  uv_check_init(data->loop, &data->dispatch);
  data->dispatch.data = data;
  uv_unref(reinterpret_cast<uv_handle_t*>(&data->dispatch));  // never keeps the loop alive by itself
  Napi::Object resource = Napi::Object::New(env);
  data->dispatch_resource = Napi::Persistent(resource);
  if (napi_async_init(env, resource, Napi::String::New(env, "bsdsock:dispatch"), &data->dispatch_ctx) != napi_ok)
    throw Napi::Error::New(env, "bsdsock: napi_async_init failed");
  exports.Set("Poller", ctor);
  exports.Set("UV_READABLE", Napi::Number::New(env, UV_READABLE));
  exports.Set("UV_WRITABLE", Napi::Number::New(env, UV_WRITABLE));
}

}  // namespace bsdsock
