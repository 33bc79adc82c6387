// JS address <-> zeroed sockaddr_storage plus its exact length, in Python's
// formats (DESIGN.md "Addresses"). Every bound is checked here, before any
// syscall: a bad address is a TypeError/RangeError, never a crash.
//
// Host names are not resolved here: lib/ resolves them (asynchronously in
// async calls) and passes numeric hosts only.
#include "bsdsock.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#ifdef __linux__
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/vm_sockets.h>
#endif

namespace bsdsock {

static Napi::Value Elem(Napi::Array a, uint32_t i) { return a.Get(i); }

static uint32_t UIntIn(Napi::Env env, Napi::Value v, uint32_t max, const char* what) {
  return static_cast<uint32_t>(IntIn(env, v, what, 0, max));
}

// A tuple's elements, each read exactly once: an element may be a getter, and
// a check on one read followed by a use of a second read could see two
// different values.
static std::vector<Napi::Value> HostPortTuple(Napi::Env env, Napi::Value addr, uint32_t min, uint32_t max,
                                              const char* fam) {
  if (!addr.IsArray())
    throw Napi::TypeError::New(env, std::string(fam) + " address must be an array [host, port" +
                                        (max > 2 ? ", flowinfo?, scopeId?]" : "]"));
  Napi::Array a = addr.As<Napi::Array>();
  uint32_t n = a.Length();
  if (n < min || n > max)
    throw Napi::TypeError::New(env, std::string(fam) + " address must have " +
                                        std::to_string(min) + (max > min ? " to " + std::to_string(max) : "") +
                                        " elements, got " + std::to_string(n));
  std::vector<Napi::Value> v;
  for (uint32_t i = 0; i < n; i++) v.push_back(Elem(a, i));
  if (!v[0].IsString())
    throw Napi::TypeError::New(env, std::string(fam) + " address host must be a string");
  return v;
}

// A host string for C: an embedded NUL would end it early in inet_pton
// ("127.0.0.1\0junk" binding 127.0.0.1), so it is an error, as Python's
// "embedded null character".
static std::string HostString(Napi::Env env, Napi::Value v, const char* fam) {
  std::string host = v.As<Napi::String>().Utf8Value();
  if (host.find('\0') != std::string::npos)
    throw Napi::TypeError::New(env, std::string(fam) + " address host must not contain NUL bytes");
  return host;
}

static void ParseInet(Napi::Env env, Napi::Value addr, SockAddr* out) {
  std::vector<Napi::Value> a = HostPortTuple(env, addr, 2, 2, "AF_INET");
  std::string host = HostString(env, a[0], "AF_INET");
  auto* sin = reinterpret_cast<sockaddr_in*>(&out->storage);
  sin->sin_family = AF_INET;
  sin->sin_port = htons(static_cast<uint16_t>(UIntIn(env, a[1], 65535, "port")));
  if (host.empty()) {
    sin->sin_addr.s_addr = htonl(INADDR_ANY);
  } else if (host == "<broadcast>") {
    sin->sin_addr.s_addr = htonl(INADDR_BROADCAST);
  } else if (inet_pton(AF_INET, host.c_str(), &sin->sin_addr) != 1) {
    throw Napi::TypeError::New(env, "not a numeric IPv4 address: \"" + host + "\"");
  }
  out->len = sizeof(sockaddr_in);
}

// "fe80::1%eth0" / "fe80::1%2": the part after '%' is an interface name or a
// decimal index. An index must fit a uint32_t: "%4294967297" is not scope 1
// and "%-1" is not 4294967295 (strtoul would wrap both).
static uint32_t ScopeOf(Napi::Env env, const std::string& scope) {
  size_t digits = scope.find_first_not_of("0123456789", scope[0] == '-' || scope[0] == '+' ? 1 : 0);
  bool numeric = digits == std::string::npos && scope.size() > (scope[0] == '-' || scope[0] == '+' ? 1u : 0u);
  if (numeric) {
    bool negative = scope[0] == '-';
    uint64_t n = 0;
    for (size_t i = scope[0] == '-' || scope[0] == '+' ? 1 : 0; i < scope.size() && n <= 0xffffffffu; i++)
      n = n * 10 + static_cast<uint64_t>(scope[i] - '0');
    if ((negative && n != 0) || n > 0xffffffffu)
      throw Napi::RangeError::New(env, "IPv6 scope id must be 0-4294967295, got \"" + scope + "\"");
    return static_cast<uint32_t>(n);
  }
  unsigned idx = scope.empty() ? 0 : if_nametoindex(scope.c_str());
  if (idx == 0) throw Napi::TypeError::New(env, "unknown IPv6 scope (interface): \"" + scope + "\"");
  return idx;
}

static void ParseInet6(Napi::Env env, Napi::Value addr, SockAddr* out) {
  std::vector<Napi::Value> a = HostPortTuple(env, addr, 2, 4, "AF_INET6");
  std::string host = HostString(env, a[0], "AF_INET6");
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out->storage);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(static_cast<uint16_t>(UIntIn(env, a[1], 65535, "port")));
  if (a.size() > 2 && !a[2].IsUndefined())
    sin6->sin6_flowinfo = htonl(UIntIn(env, a[2], 0xfffff, "flowinfo"));
  if (a.size() > 3 && !a[3].IsUndefined())
    sin6->sin6_scope_id = UIntIn(env, a[3], 0xffffffffu, "scopeId");
  if (host.empty()) {
    sin6->sin6_addr = in6addr_any;
  } else {
    size_t pct = host.find('%');
    if (pct != std::string::npos) {
      sin6->sin6_scope_id = ScopeOf(env, host.substr(pct + 1));
      host.resize(pct);
    }
    if (inet_pton(AF_INET6, host.c_str(), &sin6->sin6_addr) != 1)
      throw Napi::TypeError::New(env, "not a numeric IPv6 address: \"" + host + "\"");
  }
  out->len = sizeof(sockaddr_in6);
}

static void ParseUnix(Napi::Env env, Napi::Value addr, SockAddr* out) {
  auto* sun = reinterpret_cast<sockaddr_un*>(&out->storage);
  sun->sun_family = AF_UNIX;
  std::string path;
  if (addr.IsString()) {
    path = addr.As<Napi::String>().Utf8Value();
  } else if (IsBytes(addr)) {
    Bytes b = ToBytes(env, addr, "address");
    path.assign(b.data, b.len);
  } else {
    throw Napi::TypeError::New(env, "AF_UNIX address must be a path string or a Buffer (abstract name)");
  }
  // Linux abstract names start with NUL and may hold more NULs: their length
  // is exactly what is given, never sizeof(sockaddr_un).
  bool abstract = !path.empty() && path[0] == '\0';
  if (!abstract && path.find('\0') != std::string::npos)
    throw Napi::TypeError::New(env, "AF_UNIX path must not contain NUL bytes (only an abstract name starts with one)");
  if (path.size() > sizeof(sun->sun_path))
    throw Napi::RangeError::New(env, "AF_UNIX path too long: " + std::to_string(path.size()) +
                                         " bytes, at most " + std::to_string(sizeof(sun->sun_path)));
  memcpy(sun->sun_path, path.data(), path.size());
  // An empty path is Linux autobind: the kernel picks an abstract name.
  out->len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
}

#ifdef __linux__
static void ParsePacket(Napi::Env env, Napi::Value addr, SockAddr* out) {
  if (!addr.IsArray())
    throw Napi::TypeError::New(env, "AF_PACKET address must be [ifname, proto, pkttype?, hatype?, addr?]");
  Napi::Array arr = addr.As<Napi::Array>();
  uint32_t n = arr.Length();
  if (n < 2 || n > 5)
    throw Napi::TypeError::New(env, "AF_PACKET address must be [ifname, proto, pkttype?, hatype?, addr?]");
  // Every element read first (getters run here), the hardware address
  // converted to a pointer last.
  std::vector<Napi::Value> a;
  for (uint32_t i = 0; i < n; i++) a.push_back(Elem(arr, i));
  if (!a[0].IsString())
    throw Napi::TypeError::New(env, "AF_PACKET address must be [ifname, proto, pkttype?, hatype?, addr?]");
  auto* sll = reinterpret_cast<sockaddr_ll*>(&out->storage);
  sll->sll_family = AF_PACKET;
  std::string ifname = HostString(env, a[0], "AF_PACKET");
  sll->sll_protocol = htons(static_cast<uint16_t>(UIntIn(env, a[1], 65535, "proto")));
  if (n > 2) sll->sll_pkttype = static_cast<unsigned char>(UIntIn(env, a[2], 255, "pkttype"));
  if (n > 3) sll->sll_hatype = static_cast<unsigned short>(UIntIn(env, a[3], 65535, "hatype"));
  if (n > 4) {
    Bytes hw = ToBytes(env, a[4], "addr");
    if (hw.len > sizeof(sll->sll_addr))
      throw Napi::RangeError::New(env, "AF_PACKET hardware address longer than 8 bytes");
    CopyBytes(sll->sll_addr, hw.data, hw.len);
    sll->sll_halen = static_cast<unsigned char>(hw.len);
  }
  unsigned idx = ifname.empty() ? 0 : if_nametoindex(ifname.c_str());
  if (!ifname.empty() && idx == 0) ThrowErrno(env, errno, "if_nametoindex", addr);
  sll->sll_ifindex = static_cast<int>(idx);
  out->len = sizeof(sockaddr_ll);
}

static void ParseNetlink(Napi::Env env, Napi::Value addr, SockAddr* out) {
  if (!addr.IsArray() || addr.As<Napi::Array>().Length() != 2)
    throw Napi::TypeError::New(env, "AF_NETLINK address must be [pid, groups]");
  Napi::Array a = addr.As<Napi::Array>();
  auto* nl = reinterpret_cast<sockaddr_nl*>(&out->storage);
  nl->nl_family = AF_NETLINK;
  nl->nl_pid = UIntIn(env, Elem(a, 0), 0xffffffffu, "pid");
  nl->nl_groups = UIntIn(env, Elem(a, 1), 0xffffffffu, "groups");
  out->len = sizeof(sockaddr_nl);
}

// AF_VSOCK: [cid, port], as Python's (CID, port).
static void ParseVsock(Napi::Env env, Napi::Value addr, SockAddr* out) {
  if (!addr.IsArray() || addr.As<Napi::Array>().Length() != 2)
    throw Napi::TypeError::New(env, "AF_VSOCK address must be [cid, port]");
  Napi::Array a = addr.As<Napi::Array>();
  auto* vm = reinterpret_cast<sockaddr_vm*>(&out->storage);
  vm->svm_family = AF_VSOCK;
  vm->svm_cid = UIntIn(env, Elem(a, 0), 0xffffffffu, "cid");
  vm->svm_port = UIntIn(env, Elem(a, 1), 0xffffffffu, "port");
  out->len = sizeof(sockaddr_vm);
}
#endif

// IPv4/IPv6 addresses come back as frozen tuples (immutable, like Python's),
// and the last few are cached by their sockaddr bytes: a datagram server
// that hears from the same peers gets the same tuple again with no array or
// string built, and when it sends to that tuple the sockaddr is reused with
// no parsing. Only frozen tuples this cache made are trusted by identity.
static bool CachedSockaddr(Napi::Env env, int family, Napi::Value addr, SockAddr* out) {
  AddonData* data = GetData(env);
  AddrCacheEntry& e = data->addr_cache[data->addr_hit];
  if (e.ref == nullptr || e.sa.ss_family != family) return false;
  napi_value v;
  bool same = false;
  if (napi_get_reference_value(env, e.ref, &v) != napi_ok || v == nullptr) return false;
  if (napi_strict_equals(env, v, addr, &same) != napi_ok || !same) return false;
  memcpy(&out->storage, &e.sa, e.len);
  out->len = e.len;
  return true;
}

void ReleaseAddrCache(napi_env env, AddonData* data) {
  for (AddrCacheEntry& e : data->addr_cache) {
    if (e.ref != nullptr) napi_delete_reference(env, e.ref);
    e.ref = nullptr;
  }
}

void ParseSockaddr(Napi::Env env, int family, Napi::Value addr, SockAddr* out) {
  memset(&out->storage, 0, sizeof(out->storage));
  if ((family == AF_INET || family == AF_INET6) && addr.IsArray() && CachedSockaddr(env, family, addr, out)) return;
  switch (family) {
    case AF_INET: return ParseInet(env, addr, out);
    case AF_INET6: return ParseInet6(env, addr, out);
    case AF_UNIX: return ParseUnix(env, addr, out);
#ifdef __linux__
    case AF_PACKET: return ParsePacket(env, addr, out);
    case AF_NETLINK: return ParseNetlink(env, addr, out);
    case AF_VSOCK: return ParseVsock(env, addr, out);
#endif
    default:
      // A family whose address format bsdsock does not know: a SocketError,
      // as CPython's "getsockaddrarg: bad family" OSError.
      ThrowErrno(env, EAFNOSUPPORT, "getsockaddrarg", addr);
  }
}

static Napi::Value MakeSockaddrUncached(Napi::Env env, const sockaddr* sa, socklen_t len);

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
// U+10FFFF; exactly what decodes to a string and encodes back to the same bytes.
static bool IsUtf8(const char* p, size_t n) {
  const auto* s = reinterpret_cast<const unsigned char*>(p);
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    size_t k;
    unsigned lo = 0x80, hi = 0xbf;
    if (c < 0x80) { i++; continue; }
    if (c >= 0xc2 && c <= 0xdf) k = 1;
    else if (c == 0xe0) { k = 2; lo = 0xa0; }
    else if (c == 0xed) { k = 2; hi = 0x9f; }
    else if (c >= 0xe1 && c <= 0xef) k = 2;
    else if (c == 0xf0) { k = 3; lo = 0x90; }
    else if (c >= 0xf1 && c <= 0xf3) k = 3;
    else if (c == 0xf4) { k = 3; hi = 0x8f; }
    else return false;
    if (n - i <= k) return false;
    if (s[i + 1] < lo || s[i + 1] > hi) return false;
    for (size_t j = 2; j <= k; j++)
      if (s[i + j] < 0x80 || s[i + j] > 0xbf) return false;
    i += k + 1;
  }
  return true;
}

Napi::Value MakeSockaddr(Napi::Env env, const sockaddr* sa, socklen_t len) {
  // recvfrom on a connected stream socket reports no address: Python's None.
  if (len == 0) return env.Null();
  if ((sa->sa_family != AF_INET && sa->sa_family != AF_INET6) || len > sizeof(sockaddr_storage))
    return MakeSockaddrUncached(env, sa, len);
  AddonData* data = GetData(env);
  for (unsigned i = 0; i < kAddrCacheSize; i++) {
    AddrCacheEntry& e = data->addr_cache[i];
    if (e.ref == nullptr || e.len != len || memcmp(&e.sa, sa, len) != 0) continue;
    napi_value v;
    if (napi_get_reference_value(env, e.ref, &v) == napi_ok && v != nullptr) {
      data->addr_hit = i;
      return Napi::Value(env, v);
    }
  }
  Napi::Value tuple = MakeSockaddrUncached(env, sa, len);
  napi_object_freeze(env, tuple);
  unsigned i = data->addr_next;
  data->addr_next = (i + 1) % kAddrCacheSize;
  AddrCacheEntry& e = data->addr_cache[i];
  if (e.ref != nullptr) napi_delete_reference(env, e.ref);
  memcpy(&e.sa, sa, len);
  e.len = len;
  napi_create_reference(env, tuple, 1, &e.ref);
  data->addr_hit = i;
  return tuple;
}

static Napi::Value MakeSockaddrUncached(Napi::Env env, const sockaddr* sa, socklen_t len) {
  char buf[INET6_ADDRSTRLEN];
  switch (sa->sa_family) {
    case AF_INET: {
      auto* sin = reinterpret_cast<const sockaddr_in*>(sa);
      inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
      Napi::Array a = Napi::Array::New(env, 2);
      a.Set(0u, Napi::String::New(env, buf));
      a.Set(1u, Napi::Number::New(env, ntohs(sin->sin_port)));
      return a;
    }
    case AF_INET6: {
      auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sa);
      inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof buf);
      Napi::Array a = Napi::Array::New(env, 4);
      a.Set(0u, Napi::String::New(env, buf));
      a.Set(1u, Napi::Number::New(env, ntohs(sin6->sin6_port)));
      a.Set(2u, Napi::Number::New(env, ntohl(sin6->sin6_flowinfo)));
      a.Set(3u, Napi::Number::New(env, sin6->sin6_scope_id));
      return a;
    }
    case AF_UNIX: {
      auto* sun = reinterpret_cast<const sockaddr_un*>(sa);
      size_t off = offsetof(sockaddr_un, sun_path);
      if (len <= off) return Napi::String::New(env, "");  // unnamed
      size_t n = len - off;
      if (n > sizeof(sun->sun_path)) n = sizeof(sun->sun_path);
#ifdef __linux__
      if (sun->sun_path[0] == '\0')  // abstract: byte-exact, NULs and all
        return Napi::Buffer<char>::Copy(env, sun->sun_path, n);
#endif
      // A path that is not valid UTF-8 (bound from a Buffer) comes back as
      // the same bytes, so it still reaches the socket; a string would be lossy.
      size_t plen = strnlen(sun->sun_path, n);
      if (!IsUtf8(sun->sun_path, plen)) return Napi::Buffer<char>::Copy(env, sun->sun_path, plen);
      return Napi::String::New(env, sun->sun_path, plen);
    }
#ifdef __linux__
    case AF_PACKET: {
      auto* sll = reinterpret_cast<const sockaddr_ll*>(sa);
      char ifname[IF_NAMESIZE] = "";
      if (sll->sll_ifindex != 0) if_indextoname(static_cast<unsigned>(sll->sll_ifindex), ifname);
      Napi::Array a = Napi::Array::New(env, 5);
      a.Set(0u, Napi::String::New(env, ifname));
      a.Set(1u, Napi::Number::New(env, ntohs(sll->sll_protocol)));
      a.Set(2u, Napi::Number::New(env, sll->sll_pkttype));
      a.Set(3u, Napi::Number::New(env, sll->sll_hatype));
      size_t halen = sll->sll_halen > sizeof(sll->sll_addr) ? sizeof(sll->sll_addr) : sll->sll_halen;
      a.Set(4u, Napi::Buffer<char>::Copy(env, reinterpret_cast<const char*>(sll->sll_addr), halen));
      return a;
    }
    case AF_NETLINK: {
      auto* nl = reinterpret_cast<const sockaddr_nl*>(sa);
      Napi::Array a = Napi::Array::New(env, 2);
      a.Set(0u, Napi::Number::New(env, nl->nl_pid));
      a.Set(1u, Napi::Number::New(env, nl->nl_groups));
      return a;
    }
    case AF_VSOCK: {
      auto* vm = reinterpret_cast<const sockaddr_vm*>(sa);
      Napi::Array a = Napi::Array::New(env, 2);
      a.Set(0u, Napi::Number::New(env, vm->svm_cid));
      a.Set(1u, Napi::Number::New(env, vm->svm_port));
      return a;
    }
#endif
    default: {
      // Unknown family: Python returns (family, bytes); so do we.
      Napi::Array a = Napi::Array::New(env, 2);
      a.Set(0u, Napi::Number::New(env, sa->sa_family));
      size_t off = offsetof(sockaddr, sa_data);
      a.Set(1u, Napi::Buffer<char>::Copy(env, sa->sa_data, len > off ? len - off : 0));
      return a;
    }
  }
}

// inet_pton(family, string) -> Buffer | null (null: not a valid address)
static Napi::Value InetPton(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int family = ArgInt(info, 0, "family");
  if (!info[1].IsString()) ThrowType(env, "The \"address\" argument must be a string");
  std::string s = info[1].As<Napi::String>().Utf8Value();
  unsigned char out[sizeof(in6_addr)];
  size_t n;
  if (family == AF_INET) n = sizeof(in_addr);
  else if (family == AF_INET6) n = sizeof(in6_addr);
  else ThrowErrno(env, EAFNOSUPPORT, "inet_pton");
  if (s.find('\0') != std::string::npos) return env.Null();
  int r = inet_pton(family, s.c_str(), out);
  if (r != 1) return env.Null();
  return Napi::Buffer<char>::Copy(env, reinterpret_cast<char*>(out), n);
}

// inet_ntop(family, bytes) -> string
static Napi::Value InetNtop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int family = ArgInt(info, 0, "family");
  Bytes b = ArgBytes(info, 1, "packedIp");
  size_t need;
  if (family == AF_INET) need = sizeof(in_addr);
  else if (family == AF_INET6) need = sizeof(in6_addr);
  else ThrowErrno(env, EAFNOSUPPORT, "inet_ntop");
  if (b.len != need)
    throw Napi::RangeError::New(env, "packed IP wrong length for inet_ntop: " + std::to_string(b.len) +
                                         " bytes, expected " + std::to_string(need));
  unsigned char tmp[sizeof(in6_addr)];
  memcpy(tmp, b.data, need);
  char buf[INET6_ADDRSTRLEN];
  if (!inet_ntop(family, tmp, buf, sizeof buf)) ThrowErrno(env, errno, "inet_ntop");
  return Napi::String::New(env, buf);
}

// inet_aton(string) -> Buffer | null; accepts the old forms ("127.1", hex, octal).
static Napi::Value InetAton(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) ThrowType(env, "The \"address\" argument must be a string");
  std::string s = info[0].As<Napi::String>().Utf8Value();
  in_addr a;
  if (s.find('\0') != std::string::npos || inet_aton(s.c_str(), &a) == 0) return env.Null();
  return Napi::Buffer<char>::Copy(env, reinterpret_cast<char*>(&a), sizeof a);
}

// sockaddr(family, address) -> Buffer: the packed sockaddr, for tests and
// for callers that build msghdrs themselves.
static Napi::Value PackSockaddr(const Napi::CallbackInfo& info) {
  SockAddr sa;
  ParseSockaddr(info.Env(), ArgInt(info, 0, "family"), info[1], &sa);
  return Napi::Buffer<char>::Copy(info.Env(), reinterpret_cast<char*>(&sa.storage), sa.len);
}

static Napi::Value UnpackSockaddr(const Napi::CallbackInfo& info) {
  Bytes b = ArgBytes(info, 0, "sockaddr");
  SockAddr sa;
  memset(&sa.storage, 0, sizeof sa.storage);
  if (b.len > sizeof sa.storage) ThrowRange(info.Env(), "sockaddr longer than sockaddr_storage");
  CopyBytes(&sa.storage, b.data, b.len);
  return MakeSockaddr(info.Env(), sa.sa(), static_cast<socklen_t>(b.len));
}

void InitSockaddr(Napi::Env env, Napi::Object exports) {
  exports.Set("inet_pton", Napi::Function::New(env, InetPton, "inet_pton"));
  exports.Set("inet_ntop", Napi::Function::New(env, InetNtop, "inet_ntop"));
  exports.Set("inet_aton", Napi::Function::New(env, InetAton, "inet_aton"));
  exports.Set("packSockaddr", Napi::Function::New(env, PackSockaddr, "packSockaddr"));
  exports.Set("unpackSockaddr", Napi::Function::New(env, UnpackSockaddr, "unpackSockaddr"));
}

}  // namespace bsdsock
