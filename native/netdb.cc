// Name and service resolution (netdb.h). Each lookup has a sync binding and
// an async one that runs on the libuv thread pool (like dns.lookup), so a
// slow resolver never stalls the event loop.
#include "bsdsock.h"

#include <netdb.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace bsdsock {

static const char* EaiName(int code) {
  switch (code) {
#define EAI(n) case n: return #n;
#ifdef EAI_ADDRFAMILY
    EAI(EAI_ADDRFAMILY)
#endif
    EAI(EAI_AGAIN) EAI(EAI_BADFLAGS) EAI(EAI_FAIL) EAI(EAI_FAMILY) EAI(EAI_MEMORY)
#ifdef EAI_NODATA
    EAI(EAI_NODATA)
#endif
    EAI(EAI_NONAME) EAI(EAI_SERVICE) EAI(EAI_SOCKTYPE) EAI(EAI_SYSTEM)
#ifdef EAI_OVERFLOW
    EAI(EAI_OVERFLOW)
#endif
#undef EAI
    default: return "EAI_UNKNOWN";
  }
}

// A resolution failure as a JS error: GaiError through the factory lib/
// registered, or the SocketError of errno for EAI_SYSTEM.
Napi::Value GaiErrorValue(Napi::Env env, int code, int sys_errno, const char* syscall, const std::string* host) {
  AddonData* data = GetData(env);
  if (code == EAI_SYSTEM && sys_errno != 0 && !data->error_factory.IsEmpty())
    return data->error_factory.Call({Napi::Number::New(env, sys_errno), Napi::String::New(env, syscall)});
  Napi::Value h = host ? Napi::String::New(env, *host) : env.Undefined();
  Napi::Value args[] = {Napi::Number::New(env, code), Napi::String::New(env, EaiName(code)),
                        Napi::String::New(env, gai_strerror(code)), Napi::String::New(env, syscall), h};
  if (!data->gai_factory.IsEmpty()) return data->gai_factory.Call({args[0], args[1], args[2], args[3], args[4]});
  Napi::Error e = Napi::Error::New(env, std::string(syscall) + ": " + gai_strerror(code));
  e.Set("code", args[1]);
  return e.Value();
}

struct GaiRequest {
  bool has_host = false, has_port = false;
  std::string host, port;
  addrinfo hints{};
  addrinfo* result = nullptr;
  int code = 0, sys_errno = 0;

  void Run() {
    code = getaddrinfo(has_host ? host.c_str() : nullptr, has_port ? port.c_str() : nullptr, &hints, &result);
    sys_errno = code == EAI_SYSTEM ? errno : 0;
  }
  ~GaiRequest() {
    if (result) freeaddrinfo(result);
  }
};

static void ParseGai(const Napi::CallbackInfo& info, GaiRequest* req) {
  Napi::Env env = info.Env();
  if (info[0].IsString()) {
    req->has_host = true;
    req->host = info[0].As<Napi::String>().Utf8Value();
  } else if (!info[0].IsNull() && !info[0].IsUndefined()) {
    ThrowType(env, "The \"host\" argument must be a string or null");
  }
  if (info[1].IsString()) {
    req->has_port = true;
    req->port = info[1].As<Napi::String>().Utf8Value();
  } else if (!info[1].IsNull() && !info[1].IsUndefined()) {
    ThrowType(env, "The \"port\" argument must be a string or null");
  }
  if (req->host.find('\0') != std::string::npos || req->port.find('\0') != std::string::npos)
    ThrowType(env, "host and port must not contain NUL bytes");
  req->hints.ai_family = ArgIntOr(info, 2, "family", 0);
  req->hints.ai_socktype = ArgIntOr(info, 3, "type", 0);
  req->hints.ai_protocol = ArgIntOr(info, 4, "proto", 0);
  req->hints.ai_flags = ArgIntOr(info, 5, "flags", 0);
}

// [[family, type, proto, canonname, sockaddr], ...]
static Napi::Value GaiResult(Napi::Env env, const addrinfo* res) {
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (const addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    Napi::Array t = Napi::Array::New(env, 5);
    t.Set(0u, Napi::Number::New(env, ai->ai_family));
    t.Set(1u, Napi::Number::New(env, ai->ai_socktype));
    t.Set(2u, Napi::Number::New(env, ai->ai_protocol));
    t.Set(3u, Napi::String::New(env, ai->ai_canonname ? ai->ai_canonname : ""));
    t.Set(4u, MakeSockaddr(env, ai->ai_addr, ai->ai_addrlen));
    out.Set(i++, t);
  }
  return out;
}

// getaddrinfo(host|null, port|null, family, type, proto, flags) -> list; throws GaiError
static Napi::Value Getaddrinfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  GaiRequest req;
  ParseGai(info, &req);
  req.Run();
  if (req.code != 0) throw Napi::Error(env, GaiErrorValue(env, req.code, req.sys_errno, "getaddrinfo", req.has_host ? &req.host : nullptr));
  return GaiResult(env, req.result);
}

class GaiWorker : public Napi::AsyncWorker {
 public:
  GaiWorker(Napi::Env env, GaiRequest* req)
      : Napi::AsyncWorker(env, "bsdsock:getaddrinfo"), req_(req), deferred_(Napi::Promise::Deferred::New(env)) {}
  ~GaiWorker() override { delete req_; }
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override { req_->Run(); }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (req_->code != 0) {
      deferred_.Reject(GaiErrorValue(env, req_->code, req_->sys_errno, "getaddrinfo",
                                     req_->has_host ? &req_->host : nullptr));
      return;
    }
    deferred_.Resolve(GaiResult(env, req_->result));
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  GaiRequest* req_;
  Napi::Promise::Deferred deferred_;
};

// getaddrinfoAsync(...) -> Promise<list>
static Napi::Value GetaddrinfoAsync(const Napi::CallbackInfo& info) {
  auto* req = new GaiRequest();
  try {
    ParseGai(info, req);
  } catch (...) {
    delete req;
    throw;
  }
  auto* w = new GaiWorker(info.Env(), req);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

static Napi::Value SetGaiErrorFactory(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) ThrowType(info.Env(), "gai error factory must be a function");
  GetData(info.Env())->gai_factory = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

void InitNetdb(Napi::Env env, Napi::Object exports) {
  exports.Set("getaddrinfo", Napi::Function::New(env, Getaddrinfo, "getaddrinfo"));
  exports.Set("getaddrinfoAsync", Napi::Function::New(env, GetaddrinfoAsync, "getaddrinfoAsync"));
  exports.Set("setGaiErrorFactory", Napi::Function::New(env, SetGaiErrorFactory, "setGaiErrorFactory"));
}

}  // namespace bsdsock
