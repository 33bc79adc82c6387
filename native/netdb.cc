// Name and service resolution (netdb.h, net/if.h). One binding per libc
// call, as everywhere in native/. Each lookup that may block on a resolver
// (files, DNS, NIS...) has a sync binding and an `...Async` one that runs the
// same call on the libuv thread pool (like dns.lookup) and returns a Promise,
// so a slow resolver never stalls the event loop.
//
// Pool threads run concurrently, so only the reentrant calls are used:
// getaddrinfo / getnameinfo, gethostbyname_r / gethostbyaddr_r,
// getservbyname_r / getservbyport_r, getprotobyname_r (never the versions
// that return a static buffer).
//
// Composition (Python's setipaddr before gethostbyname_ex, getfqdn, ...)
// lives in lib/netdb.ts, as CPython keeps it in socketmodule.c / socket.py.
#include "bsdsock.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>
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
#ifdef EAI_INPROGRESS
    EAI(EAI_INPROGRESS)
#endif
#ifdef EAI_CANCELED
    EAI(EAI_CANCELED)
#endif
#ifdef EAI_NOTCANCELED
    EAI(EAI_NOTCANCELED)
#endif
#ifdef EAI_ALLDONE
    EAI(EAI_ALLDONE)
#endif
#ifdef EAI_INTR
    EAI(EAI_INTR)
#endif
#ifdef EAI_IDN_ENCODE
    EAI(EAI_IDN_ENCODE)
#endif
#ifdef EAI_BADHINTS
    EAI(EAI_BADHINTS)
#endif
#ifdef EAI_PROTOCOL
    EAI(EAI_PROTOCOL)
#endif
#undef EAI
    default: return "EAI_UNKNOWN";
  }
}

// A resolution failure as a JS error: GaiError through the factory lib/
// registered, or the SocketError of errno for EAI_SYSTEM (as Python raises
// OSError(errno) there).
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

// ---- the sync / async machinery ------------------------------------------
//
// A Lookup is parsed on the main thread (argument errors throw there, before
// any call), Run() on the calling thread (sync) or on a pool thread (async;
// no JS may be touched), and turned into a JS value (or thrown error) by
// Result() on the main thread.
struct Lookup {
  virtual ~Lookup() = default;
  virtual void Run() = 0;
  virtual Napi::Value Result(Napi::Env env) = 0;
};

class LookupWorker : public Napi::AsyncWorker {
 public:
  LookupWorker(Napi::Env env, const char* name, std::unique_ptr<Lookup> req)
      : Napi::AsyncWorker(env, name), req_(std::move(req)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override { req_->Run(); }
  void OnOK() override {
    Napi::Env env = Env();
    // A lookup can finish while its environment is being torn down (a
    // worker_thread terminated with lookups pending): then no JS can run,
    // every N-API call fails and throws, and nobody awaits the promise.
    // Such a throw must not escape this callback (node-addon-api would
    // rethrow it from its own catch: std::terminate).
    try {
      Napi::HandleScope scope(env);
      Napi::Value v;
      bool ok = true;
      try {
        v = req_->Result(env);
      } catch (const Napi::Error& e) {
        ok = false;
        v = e.Value();
      }
      if (ok) deferred_.Resolve(v);
      else deferred_.Reject(v);
    } catch (...) {
      // The environment is going away: nothing left to tell.
    }
  }
  void OnError(const Napi::Error& e) override {
    try {
      deferred_.Reject(e.Value());
    } catch (...) {
    }
  }

 private:
  std::unique_ptr<Lookup> req_;
  Napi::Promise::Deferred deferred_;
};

template <class R>
static Napi::Value SyncLookup(const Napi::CallbackInfo& info) {
  R req;
  req.Parse(info);
  req.Run();
  return req.Result(info.Env());
}

template <class R>
static Napi::Value AsyncLookup(const Napi::CallbackInfo& info) {
  auto req = std::make_unique<R>();
  req->Parse(info);
  auto* w = new LookupWorker(info.Env(), R::kName, std::move(req));
  Napi::Promise p = w->Promise();
  try {
    w->Queue();
  } catch (...) {
    delete w;  // never queued: nobody else will
    throw;
  }
  return p;
}

static std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsString()) throw Napi::TypeError::New(info.Env(), std::string("The \"") + name + "\" argument must be a string");
  std::string s = info[i].As<Napi::String>().Utf8Value();
  if (s.find('\0') != std::string::npos)
    throw Napi::TypeError::New(info.Env(), std::string("The \"") + name + "\" argument must not contain NUL bytes");
  return s;
}

// null/undefined -> not given (a NULL pointer in C).
static bool ArgOptString(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out) {
  if (info[i].IsNull() || info[i].IsUndefined()) return false;
  *out = ArgString(info, i, name);
  return true;
}

// The *_r calls report ERANGE when the caller's buffer is too small: grow
// and retry, up to a bound (a resolver answer is never megabytes).
static constexpr size_t kMaxBuf = 1 << 20;

// ---- getaddrinfo(3) --------------------------------------------------------

struct GaiLookup : Lookup {
  static constexpr const char* kName = "bsdsock:getaddrinfo";
  bool has_host = false, has_port = false;
  std::string host, port;
  addrinfo hints{};
  addrinfo* result = nullptr;
  int code = 0, sys_errno = 0;

  void Parse(const Napi::CallbackInfo& info) {
    has_host = ArgOptString(info, 0, "host", &host);
    has_port = ArgOptString(info, 1, "port", &port);
    hints.ai_family = ArgIntOr(info, 2, "family", 0);
    hints.ai_socktype = ArgIntOr(info, 3, "type", 0);
    hints.ai_protocol = ArgIntOr(info, 4, "proto", 0);
    hints.ai_flags = ArgIntOr(info, 5, "flags", 0);
  }
  void Run() override {
    errno = 0;
    code = getaddrinfo(has_host ? host.c_str() : nullptr, has_port ? port.c_str() : nullptr, &hints, &result);
    sys_errno = code == EAI_SYSTEM ? errno : 0;
  }
  // [[family, type, proto, canonname, sockaddr], ...]
  Napi::Value Result(Napi::Env env) override {
    if (code != 0) throw Napi::Error(env, GaiErrorValue(env, code, sys_errno, "getaddrinfo", has_host ? &host : nullptr));
    Napi::Array out = Napi::Array::New(env);
    uint32_t i = 0;
    for (const addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
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
  ~GaiLookup() override {
    if (result) freeaddrinfo(result);
  }
};

// ---- getnameinfo(3) --------------------------------------------------------

// getnameinfo(family, address, flags) -> [host, service]. The address is a
// numeric one in Python's format (lib/ resolves it first, as CPython does
// with getaddrinfo(AI_NUMERICHOST)).
struct NameinfoLookup : Lookup {
  static constexpr const char* kName = "bsdsock:getnameinfo";
  SockAddr sa;
  int flags = 0;
  int code = 0, sys_errno = 0;
  char host[NI_MAXHOST];
  char serv[NI_MAXSERV];

  void Parse(const Napi::CallbackInfo& info) {
    int family = ArgInt(info, 0, "family");
    if (family != AF_INET && family != AF_INET6)
      throw Napi::TypeError::New(info.Env(), "getnameinfo: family must be AF_INET or AF_INET6");
    ParseSockaddr(info.Env(), family, info[1], &sa);
    flags = ArgInt(info, 2, "flags");
  }
  void Run() override {
    errno = 0;
    code = getnameinfo(sa.sa(), sa.len, host, sizeof host, serv, sizeof serv, flags);
    sys_errno = code == EAI_SYSTEM ? errno : 0;
  }
  Napi::Value Result(Napi::Env env) override {
    if (code != 0) throw Napi::Error(env, GaiErrorValue(env, code, sys_errno, "getnameinfo", nullptr));
    Napi::Array out = Napi::Array::New(env, 2);
    out.Set(0u, Napi::String::New(env, host));
    out.Set(1u, Napi::String::New(env, serv));
    return out;
  }
};

// ---- gethostbyname_r(3) / gethostbyaddr_r(3) -------------------------------

// A hostent copied out of the caller's buffer: [name, aliases, addresses].
// On failure the result is the h_errno value, a positive number (lib/ turns
// it into a HostError, as Python's set_herror does).
struct HostentLookup : Lookup {
  std::vector<char> buf;
  hostent he{};
  hostent* res = nullptr;
  int rc = 0, herr = 0;

  template <class F>
  void RunWith(F call) {
    buf.resize(1024);
    for (;;) {
      res = nullptr;
      herr = 0;
      errno = 0;
      rc = call(&he, buf.data(), buf.size(), &res, &herr);
      sys_errno = errno;
      if (rc == ERANGE && buf.size() < kMaxBuf) {
        buf.resize(buf.size() * 2);
        continue;
      }
      break;
    }
  }
  const char* syscall = "gethostbyname_r";
  int sys_errno = 0;
  Napi::Value Result(Napi::Env env) override {
    if (res == nullptr) {
      // glibc: rc is 0 and h_errno says why; NETDB_INTERNAL means "see
      // errno" (rc, or errno as the pool thread saw it).
      if (herr == NETDB_INTERNAL) ThrowErrno(env, rc ? rc : sys_errno ? sys_errno : EIO, syscall);
      return Napi::Number::New(env, herr);
    }
    Napi::Array aliases = Napi::Array::New(env);
    uint32_t n = 0;
    for (char** p = res->h_aliases; p && *p; ++p) aliases.Set(n++, Napi::String::New(env, *p));
    Napi::Array addrs = Napi::Array::New(env);
    n = 0;
    char text[INET6_ADDRSTRLEN];
    for (char** p = res->h_addr_list; p && *p; ++p) {
      if (!inet_ntop(res->h_addrtype, *p, text, sizeof text)) ThrowErrno(env, errno, "inet_ntop");
      addrs.Set(n++, Napi::String::New(env, text));
    }
    // The answer's family too: Python's gethost_common checks it is the one
    // asked for (lib/ does that check).
    Napi::Array out = Napi::Array::New(env, 4);
    out.Set(0u, Napi::String::New(env, res->h_name ? res->h_name : ""));
    out.Set(1u, aliases);
    out.Set(2u, addrs);
    out.Set(3u, Napi::Number::New(env, res->h_addrtype));
    return out;
  }
};

// gethostbyname_r(name) -> [name, aliases, addresses, addrtype] | h_errno
struct HostByNameLookup : HostentLookup {
  static constexpr const char* kName = "bsdsock:gethostbyname_r";
  std::string name;
  void Parse(const Napi::CallbackInfo& info) { name = ArgString(info, 0, "name"); }
  void Run() override {
    RunWith([this](hostent* he, char* b, size_t n, hostent** r, int* h) {
      return gethostbyname_r(name.c_str(), he, b, n, r, h);
    });
  }
};

// gethostbyaddr_r(family, packedAddress) -> [name, aliases, addresses, addrtype] | h_errno
struct HostByAddrLookup : HostentLookup {
  static constexpr const char* kName = "bsdsock:gethostbyaddr_r";
  int family = 0;
  unsigned char addr[sizeof(in6_addr)];
  socklen_t addrlen = 0;
  void Parse(const Napi::CallbackInfo& info) {
    syscall = "gethostbyaddr_r";
    family = ArgInt(info, 0, "family");
    Bytes b = ArgBytes(info, 1, "address");
    size_t need = family == AF_INET ? sizeof(in_addr) : family == AF_INET6 ? sizeof(in6_addr) : 0;
    if (need == 0) ThrowErrno(info.Env(), EAFNOSUPPORT, "gethostbyaddr_r");
    if (b.len != need)
      throw Napi::RangeError::New(info.Env(), "gethostbyaddr_r: packed address must be " + std::to_string(need) + " bytes");
    memcpy(addr, b.data, need);
    addrlen = static_cast<socklen_t>(need);
  }
  void Run() override {
    RunWith([this](hostent* he, char* b, size_t n, hostent** r, int* h) {
      return gethostbyaddr_r(addr, addrlen, family, he, b, n, r, h);
    });
  }
};

// hstrerror(h_errno) -> message
static Napi::Value Hstrerror(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), hstrerror(ArgInt(info, 0, "herrno")));
}

// ---- getservbyname_r / getservbyport_r / getprotobyname_r ------------------

// The *_r calls of the services and protocols databases. Not found is
// `null` (Python raises OSError without an errno there; lib/ says so).
template <class Ent>
struct DbLookup : Lookup {
  std::vector<char> buf;
  Ent ent{};
  Ent* res = nullptr;
  int rc = 0;
  const char* syscall = "";

  template <class F>
  void RunWith(F call) {
    buf.resize(1024);
    for (;;) {
      res = nullptr;
      rc = call(&ent, buf.data(), buf.size(), &res);
      if (rc == ERANGE && buf.size() < kMaxBuf) {
        buf.resize(buf.size() * 2);
        continue;
      }
      break;
    }
  }
  // glibc returns ENOENT (or 0) with a NULL result for "no such entry".
  bool Missing() const { return res == nullptr && (rc == 0 || rc == ENOENT); }
};

// getservbyname_r(name, proto|null) -> port | null
struct ServByNameLookup : DbLookup<servent> {
  static constexpr const char* kName = "bsdsock:getservbyname_r";
  std::string name, proto;
  bool has_proto = false;
  void Parse(const Napi::CallbackInfo& info) {
    syscall = "getservbyname_r";
    name = ArgString(info, 0, "servicename");
    has_proto = ArgOptString(info, 1, "protocolname", &proto);
  }
  void Run() override {
    RunWith([this](servent* e, char* b, size_t n, servent** r) {
      return getservbyname_r(name.c_str(), has_proto ? proto.c_str() : nullptr, e, b, n, r);
    });
  }
  Napi::Value Result(Napi::Env env) override {
    if (Missing()) return env.Null();
    if (res == nullptr) ThrowErrno(env, rc, syscall);
    return Napi::Number::New(env, ntohs(static_cast<uint16_t>(res->s_port)));
  }
};

// getservbyport_r(port, proto|null) -> name | null
struct ServByPortLookup : DbLookup<servent> {
  static constexpr const char* kName = "bsdsock:getservbyport_r";
  int port = 0;
  std::string proto;
  bool has_proto = false;
  void Parse(const Napi::CallbackInfo& info) {
    syscall = "getservbyport_r";
    port = ArgInt(info, 0, "port");
    if (port < 0 || port > 65535) ThrowRange(info.Env(), "getservbyport: port must be 0-65535");
    has_proto = ArgOptString(info, 1, "protocolname", &proto);
  }
  void Run() override {
    RunWith([this](servent* e, char* b, size_t n, servent** r) {
      return getservbyport_r(htons(static_cast<uint16_t>(port)), has_proto ? proto.c_str() : nullptr, e, b, n, r);
    });
  }
  Napi::Value Result(Napi::Env env) override {
    if (Missing()) return env.Null();
    if (res == nullptr) ThrowErrno(env, rc, syscall);
    return Napi::String::New(env, res->s_name);
  }
};

// getprotobyname_r(name) -> number | null
struct ProtoByNameLookup : DbLookup<protoent> {
  static constexpr const char* kName = "bsdsock:getprotobyname_r";
  std::string name;
  void Parse(const Napi::CallbackInfo& info) {
    syscall = "getprotobyname_r";
    name = ArgString(info, 0, "protocolname");
  }
  void Run() override {
    RunWith([this](protoent* e, char* b, size_t n, protoent** r) {
      return getprotobyname_r(name.c_str(), e, b, n, r);
    });
  }
  Napi::Value Result(Napi::Env env) override {
    if (Missing()) return env.Null();
    if (res == nullptr) ThrowErrno(env, rc, syscall);
    return Napi::Number::New(env, res->p_proto);
  }
};

// ---- gethostname(2), if_nameindex(3) and friends -------------------------

// gethostname() -> string
static Napi::Value Gethostname(const Napi::CallbackInfo& info) {
  char buf[HOST_NAME_MAX + 2];
  if (gethostname(buf, sizeof buf - 1) != 0) ThrowErrno(info.Env(), errno, "gethostname");
  buf[sizeof buf - 1] = '\0';
  return Napi::String::New(info.Env(), buf);
}

// if_nameindex() -> [[index, name], ...]
static Napi::Value IfNameindex(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // Freed however this ends: building the JS array can throw (a setter on
  // Array.prototype, an environment going away).
  std::unique_ptr<struct if_nameindex, void (*)(struct if_nameindex*)> ni(if_nameindex(), if_freenameindex);
  if (ni == nullptr) ThrowErrno(env, errno, "if_nameindex");
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  for (struct if_nameindex* p = ni.get(); p->if_index != 0 || p->if_name != nullptr; ++p) {
    Napi::Array t = Napi::Array::New(env, 2);
    t.Set(0u, Napi::Number::New(env, p->if_index));
    t.Set(1u, Napi::String::New(env, p->if_name));
    out.Set(n++, t);
  }
  return out;
}

// if_nametoindex(name) -> index | 0 (0: no such interface; errno is not
// reported, as Python's "no interface with this name")
static Napi::Value IfNametoindex(const Napi::CallbackInfo& info) {
  std::string name = ArgString(info, 0, "ifname");
  return Napi::Number::New(info.Env(), if_nametoindex(name.c_str()));
}

// if_indextoname(index) -> name; throws the errno (ENXIO) when there is none.
static Napi::Value IfIndextoname(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t idx = ArgInt64(info, 0, "ifindex");
  if (idx < 0 || idx > UINT_MAX) ThrowRange(env, "ifIndextoname: index must be 0-4294967295");
  char buf[IF_NAMESIZE + 1];
  if (if_indextoname(static_cast<unsigned>(idx), buf) == nullptr) ThrowErrno(env, errno, "if_indextoname");
  return Napi::String::New(env, buf);
}

static Napi::Value SetGaiErrorFactory(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) ThrowType(info.Env(), "gai error factory must be a function");
  GetData(info.Env())->gai_factory = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

template <class R>
static void Both(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New(env, SyncLookup<R>, name));
  std::string async = std::string(name) + "Async";
  exports.Set(async, Napi::Function::New(env, AsyncLookup<R>, async));
}

void InitNetdb(Napi::Env env, Napi::Object exports) {
  Both<GaiLookup>(env, exports, "getaddrinfo");
  Both<NameinfoLookup>(env, exports, "getnameinfo");
  Both<HostByNameLookup>(env, exports, "gethostbyname_r");
  Both<HostByAddrLookup>(env, exports, "gethostbyaddr_r");
  Both<ServByNameLookup>(env, exports, "getservbyname_r");
  Both<ServByPortLookup>(env, exports, "getservbyport_r");
  Both<ProtoByNameLookup>(env, exports, "getprotobyname_r");
  exports.Set("hstrerror", Napi::Function::New(env, Hstrerror, "hstrerror"));
  exports.Set("gethostname", Napi::Function::New(env, Gethostname, "gethostname"));
  exports.Set("if_nameindex", Napi::Function::New(env, IfNameindex, "if_nameindex"));
  exports.Set("if_nametoindex", Napi::Function::New(env, IfNametoindex, "if_nametoindex"));
  exports.Set("if_indextoname", Napi::Function::New(env, IfIndextoname, "if_indextoname"));
  exports.Set("setGaiErrorFactory", Napi::Function::New(env, SetGaiErrorFactory, "setGaiErrorFactory"));
}

}  // namespace bsdsock
