// Scatter/gather and ancillary data: sendmsg(2), recvmsg(2), the batched
// recvmmsg(2) / sendmmsg(2), and sendfile(2). Hot calls: -errno as a value.
#include "bsdsock.h"

#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#ifdef __linux__
#include <sys/sendfile.h>
#endif

namespace bsdsock {

#ifdef MSG_CMSG_CLOEXEC
// Received fds (SCM_RIGHTS) are close-on-exec from birth, as every fd here.
static constexpr int kRecvmsgFlags = MSG_CMSG_CLOEXEC;
#else
static constexpr int kRecvmsgFlags = 0;
#endif

// Most iovecs a message may carry (Linux UIO_MAXIOV); more is EMSGSIZE in
// the kernel, a RangeError here.
static constexpr uint32_t kMaxIov = 1024;

static Napi::Array ArgArray(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsArray()) throw Napi::TypeError::New(info.Env(), std::string("The \"") + name + "\" argument must be an array");
  return info[i].As<Napi::Array>();
}

// The elements of an array of byte views, read (getters run) but not yet
// converted: see "Bytes" in bsdsock.h for why the two steps are apart.
static std::vector<Napi::Value> Elements(Napi::Env env, Napi::Array bufs, uint32_t n) {
  std::vector<Napi::Value> v;
  v.reserve(n);
  for (uint32_t i = 0; i < n; i++) v.push_back(bufs.Get(i));
  return v;
}

static std::vector<Napi::Value> BufferValues(Napi::Env env, Napi::Array bufs, const char* name) {
  uint32_t n = bufs.Length();
  if (n > kMaxIov) throw Napi::RangeError::New(env, std::string(name) + ": at most 1024 buffers per message");
  return Elements(env, bufs, n);
}

// iovecs over values already read: no JS runs here.
static void Iovecs(Napi::Env env, const std::vector<Napi::Value>& bufs, std::vector<iovec>* iov, const char* name) {
  iov->resize(bufs.size());
  for (size_t i = 0; i < bufs.size(); i++) {
    Bytes b = ToBytes(env, bufs[i], name);
    (*iov)[i] = {b.data, b.len};
  }
}

// sendmsg(fd, buffers, ancdata, flags, address|null, family) -> bytes | -errno
// ancdata: [[level, type, data], ...], each packed as one cmsghdr.
static Napi::Value Sendmsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  // 1. Every JS value, every getter: buffers, ancillary items, address.
  std::vector<Napi::Value> bufs = BufferValues(env, ArgArray(info, 1, "buffers"), "buffers");
  Napi::Array anc = info[2].IsUndefined() ? Napi::Array::New(env) : ArgArray(info, 2, "ancdata");
  int flags = ArgIntOr(info, 3, "flags", 0) | kSendFlags;
  struct Item {
    int level, type;
    Napi::Value data;
    Bytes bytes;
  };
  std::vector<Item> items;
  std::vector<Napi::Value> anc_values = Elements(env, anc, anc.Length());
  for (Napi::Value item : anc_values) {
    if (!item.IsArray() || item.As<Napi::Array>().Length() != 3)
      ThrowType(env, "ancillary data items must be [level, type, data]");
    Napi::Array t = item.As<Napi::Array>();
    Napi::Value lv = t.Get(0u), tv = t.Get(1u), dv = t.Get(2u);
    // cmsg_level and cmsg_type are C ints: 2**40+1 is a RangeError, never
    // SOL_SOCKET by wrapping (which would pass fd 0 to the peer).
    items.push_back({IntOf<int>(env, lv, "ancillary data level"), IntOf<int>(env, tv, "ancillary data type"), dv, {}});
  }
  msghdr msg{};
  SockAddr sa;
  if (!info[4].IsNull() && !info[4].IsUndefined()) {
    ParseSockaddr(env, ArgInt(info, 5, "family"), info[4], &sa);
    msg.msg_name = sa.sa();
    msg.msg_namelen = sa.len;
  }
  // 2. Raw pointers, with no JS in between, until the syscall.
  std::vector<iovec> iov;
  Iovecs(env, bufs, &iov, "buffers");
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  size_t space = 0;
  for (Item& it : items) {
    it.bytes = ToBytes(env, it.data, "ancillary data");
    if (it.bytes.len > 65535) ThrowRange(env, "ancillary data item too large");
    space += CMSG_SPACE(it.bytes.len);
  }
  std::vector<char> control(space);
  if (space > 0) {
    msg.msg_control = control.data();
    msg.msg_controllen = space;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    for (size_t i = 0; i < items.size(); i++, c = CMSG_NXTHDR(&msg, c)) {
      c->cmsg_level = items[i].level;
      c->cmsg_type = items[i].type;
      c->cmsg_len = CMSG_LEN(items[i].bytes.len);
      CopyBytes(CMSG_DATA(c), items[i].bytes.data, items[i].bytes.len);
    }
  }
  return Napi::Number::New(env, static_cast<double>(RetryNeg([&] { return sendmsg(fd, &msg, flags); })));
}

// recvmsg(fd, buffers, ancbufsize, flags) -> [nbytes, ancdata, msg_flags, address] | -errno
// (Python's recvmsg_into). ancdata: [[level, type, Buffer], ...].
static Napi::Value Recvmsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  std::vector<Napi::Value> bufs = BufferValues(env, ArgArray(info, 1, "buffers"), "buffers");
  int ancbufsize = ArgIntOr(info, 2, "ancbufsize", 0);
  if (ancbufsize < 0 || ancbufsize > 1 << 20) ThrowRange(env, "ancbufsize out of range (0-1048576)");
  int user_flags = ArgIntOr(info, 3, "flags", 0);
  int flags = user_flags | kRecvmsgFlags;
  // Pointers last: a getter among the buffers may have detached an earlier one.
  std::vector<iovec> iov;
  Iovecs(env, bufs, &iov, "buffers");

  SockAddr sa;
  memset(&sa.storage, 0, sizeof(sa_family_t));
  std::vector<char> control(static_cast<size_t>(ancbufsize));
  msghdr msg{};
  msg.msg_name = sa.sa();
  msg.msg_namelen = sizeof sa.storage;
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  if (ancbufsize > 0) {
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
  }
  long r = RetryNeg([&] { return recvmsg(fd, &msg, flags); });
  if (r < 0) return Napi::Number::New(env, static_cast<double>(r));

  // The received cmsgs, collected before any JS value is made. Walked by
  // offsets within the control buffer, never by pointers past its end
  // (CPython's cmsg_min_space / get_cmsg_data_len do the same): a truncated
  // buffer (MSG_CTRUNC) may end inside an item; keep what fits.
  struct Cmsg {
    int level, type;
    size_t off, len;
  };
  std::vector<Cmsg> cmsgs;
  const size_t total = msg.msg_controllen < control.size() ? msg.msg_controllen : control.size();
  const size_t hdr = CMSG_LEN(0);
  size_t off = 0;
  while (total >= hdr && off <= total - hdr) {
    cmsghdr c;
    memcpy(&c, control.data() + off, sizeof c);
    if (c.cmsg_len < hdr) break;
    size_t len = c.cmsg_len - hdr;
    size_t avail = total - off - hdr;
    cmsgs.push_back({c.cmsg_level, c.cmsg_type, off + hdr, len < avail ? len : avail});
    size_t step = CMSG_SPACE(len);
    if (step > total - off) break;
    off += step;
  }
  Napi::Array anc = Napi::Array::New(env, cmsgs.size());
  for (uint32_t i = 0; i < cmsgs.size(); i++) {
    Napi::Array t = Napi::Array::New(env, 3);
    t.Set(0u, Napi::Number::New(env, cmsgs[i].level));
    t.Set(1u, Napi::Number::New(env, cmsgs[i].type));
    t.Set(2u, Napi::Buffer<char>::Copy(env, control.data() + cmsgs[i].off, cmsgs[i].len));
    anc.Set(i, t);
  }
  Napi::Array out = Napi::Array::New(env, 4);
  out.Set(0u, Napi::Number::New(env, static_cast<double>(r)));
  out.Set(1u, anc);
  // The kernel echoes MSG_CMSG_CLOEXEC back; report only what the caller asked for.
  out.Set(2u, Napi::Number::New(env, msg.msg_flags & ~(kRecvmsgFlags & ~user_flags)));
  out.Set(3u, MakeSockaddr(env, sa.sa(), msg.msg_namelen));
  return out;
}

#ifdef __linux__
// The batched datagram calls share one layout, so that an echo server can
// hand recvmmsg's results straight to sendmmsg with no JS work in between:
//   buffers: one byte view per message
//   meta:    Int32Array(2 * n): [bytes_0, addrlen_0, bytes_1, addrlen_1, ...]
//   names:   Buffer of n * sizeof(sockaddr_storage) raw addresses, or null
static constexpr size_t kSlot = sizeof(sockaddr_storage);

struct Batch {
  std::vector<mmsghdr> msgs;
  std::vector<iovec> iov;
  int32_t* meta;
  char* names;
};

static Batch BatchArgs(const Napi::CallbackInfo& info, uint32_t* count) {
  Napi::Env env = info.Env();
  Napi::Array bufs = ArgArray(info, 1, "buffers");
  if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    ThrowType(env, "The \"meta\" argument must be an Int32Array");
  uint32_t n = bufs.Length();
  if (*count > 0 && *count < n) n = *count;
  if (n > kMaxIov) n = kMaxIov;
  // 1. Every element read (getters run: they may shrink meta's resizable
  // buffer, detach names or an earlier buffer) ...
  std::vector<Napi::Value> values = Elements(env, bufs, n);
  // 2. ... then every pointer and length taken, with no JS in between.
  Bytes meta = ToBytes(env, info[2], "meta");
  if (meta.len / sizeof(int32_t) < 2 * static_cast<size_t>(n)) ThrowRange(env, "meta must hold 2 entries per message");
  Batch b;
  b.meta = reinterpret_cast<int32_t*>(meta.data);
  b.names = nullptr;
  if (!info[3].IsNull() && !info[3].IsUndefined()) {
    Bytes names = ToBytes(env, info[3], "names");
    if (names.len < n * kSlot) ThrowRange(env, "names must hold 128 bytes (sockaddr_storage) per message");
    b.names = names.data;
  }
  b.msgs.assign(n, mmsghdr{});
  b.iov.resize(n);
  for (uint32_t i = 0; i < n; i++) {
    Bytes buf = ToBytes(env, values[i], "buffers");
    b.iov[i] = {buf.data, buf.len};
    b.msgs[i].msg_hdr.msg_iov = &b.iov[i];
    b.msgs[i].msg_hdr.msg_iovlen = 1;
    if (b.names) b.msgs[i].msg_hdr.msg_name = b.names + i * kSlot;
  }
  *count = n;
  return b;
}

// recvmmsg(fd, buffers, meta, names|null, flags) -> messages received | -errno
// Never waits for a full batch: MSG_WAITFORONE semantics on a nonblocking fd.
static Napi::Value Recvmmsg(const Napi::CallbackInfo& info) {
  int fd = ArgInt(info, 0, "fd");
  int flags = ArgIntOr(info, 4, "flags", 0);
  uint32_t n = 0;
  Batch b = BatchArgs(info, &n);
  for (uint32_t i = 0; i < n; i++)
    if (b.names) b.msgs[i].msg_hdr.msg_namelen = kSlot;
  long r = RetryNeg([&] { return recvmmsg(fd, b.msgs.data(), n, flags, nullptr); });
  if (r < 0) return Napi::Number::New(info.Env(), static_cast<double>(r));
  for (int i = 0; i < r; i++) {
    b.meta[2 * i] = static_cast<int32_t>(b.msgs[i].msg_len);
    b.meta[2 * i + 1] = b.names ? static_cast<int32_t>(b.msgs[i].msg_hdr.msg_namelen) : 0;
  }
  return Napi::Number::New(info.Env(), r);
}

// recvmmsg_slab(fd, slab, slot, vlen, meta, names|null, flags) -> messages | -errno
// recvmmsg into one buffer cut in `vlen` slots of `slot` bytes: message i
// lands at slab + i * slot. No array of buffers is walked per call (64
// napi_get_element + ToBytes for a vlen of 64, whatever came: ~2,000
// instructions per datagram in the batching server).
static Napi::Value RecvmmsgSlab(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  size_t slot = static_cast<size_t>(IntIn(env, info[2], "slot", 1, INT32_MAX));
  uint32_t n = static_cast<uint32_t>(IntIn(env, info[3], "vlen", 1, kMaxIov));
  int flags = ArgIntOr(info, 6, "flags", 0);
  if (!info[4].IsTypedArray() || info[4].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    ThrowType(env, "The \"meta\" argument must be an Int32Array");
  // Pointers last, and no JS runs between them and the syscall.
  Bytes slab = ToBytes(env, info[1], "slab");
  if (slab.len / slot < n) ThrowRange(env, "slab must hold vlen slots");
  Bytes meta = ToBytes(env, info[4], "meta");
  if (meta.len / sizeof(int32_t) < 2 * static_cast<size_t>(n)) ThrowRange(env, "meta must hold 2 entries per message");
  char* names = nullptr;
  if (!info[5].IsNull() && !info[5].IsUndefined()) {
    Bytes nb = ToBytes(env, info[5], "names");
    if (nb.len < n * kSlot) ThrowRange(env, "names must hold 128 bytes (sockaddr_storage) per message");
    names = nb.data;
  }
  std::vector<mmsghdr> msgs(n, mmsghdr{});
  std::vector<iovec> iov(n);
  for (uint32_t i = 0; i < n; i++) {
    iov[i] = {slab.data + i * slot, slot};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    if (names != nullptr) {
      msgs[i].msg_hdr.msg_name = names + i * kSlot;
      msgs[i].msg_hdr.msg_namelen = kSlot;
    }
  }
  long r = RetryNeg([&] { return recvmmsg(fd, msgs.data(), n, flags, nullptr); });
  if (r < 0) return Napi::Number::New(env, static_cast<double>(r));
  int32_t* m = reinterpret_cast<int32_t*>(meta.data);
  for (int i = 0; i < r; i++) {
    m[2 * i] = static_cast<int32_t>(msgs[i].msg_len);
    m[2 * i + 1] = names != nullptr ? static_cast<int32_t>(msgs[i].msg_hdr.msg_namelen) : 0;
  }
  return Napi::Number::New(env, r);
}

// sendmmsg(fd, buffers, meta, names|null, flags, count) -> messages sent | -errno
// Sends meta[2i] bytes of buffers[i] to the address in names slot i (of
// meta[2i+1] bytes; 0: no address, for connected sockets).
static Napi::Value Sendmmsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  int32_t want = ArgIntOr(info, 5, "count", 0);
  if (want < 0) ThrowRange(env, "count must not be negative");
  uint32_t n = static_cast<uint32_t>(want);
  int flags = ArgIntOr(info, 4, "flags", 0) | kSendFlags;
  Batch b = BatchArgs(info, &n);
  for (uint32_t i = 0; i < n; i++) {
    int32_t len = b.meta[2 * i], alen = b.meta[2 * i + 1];
    if (len < 0 || static_cast<size_t>(len) > b.iov[i].iov_len) ThrowRange(env, "meta byte count exceeds its buffer");
    if (alen < 0 || static_cast<size_t>(alen) > kSlot) ThrowRange(env, "meta address length out of range");
    b.iov[i].iov_len = static_cast<size_t>(len);
    b.msgs[i].msg_hdr.msg_namelen = static_cast<socklen_t>(alen);
    if (alen == 0) b.msgs[i].msg_hdr.msg_name = nullptr;
  }
  return Napi::Number::New(env, static_cast<double>(RetryNeg([&] { return sendmmsg(fd, b.msgs.data(), n, flags); })));
}

// sendfile(out_fd, in_fd, offset, count) -> bytes sent | -errno
static Napi::Value Sendfile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int out = ArgInt(info, 0, "outFd"), in = ArgInt(info, 1, "inFd");
  int64_t off = ArgInt64(info, 2, "offset"), count = ArgInt64(info, 3, "count");
  if (off < 0 || count < 0) ThrowRange(env, "offset and count must not be negative");
  off_t o = static_cast<off_t>(off);
  long r = WithNonblock(out, [&]() -> long { return RetryNeg([&] { return sendfile(out, in, &o, static_cast<size_t>(count)); }); });
  return Napi::Number::New(env, static_cast<double>(r));
}
#endif

static Napi::Value CmsgLen(const Napi::CallbackInfo& info) {
  int64_t n = ArgInt64(info, 0, "length");
  if (n < 0 || n > INT32_MAX - 64) ThrowRange(info.Env(), "CMSG_LEN() argument out of range");
  return Napi::Number::New(info.Env(), static_cast<double>(CMSG_LEN(static_cast<size_t>(n))));
}
static Napi::Value CmsgSpace(const Napi::CallbackInfo& info) {
  int64_t n = ArgInt64(info, 0, "length");
  if (n < 0 || n > INT32_MAX - 64) ThrowRange(info.Env(), "CMSG_SPACE() argument out of range");
  return Napi::Number::New(info.Env(), static_cast<double>(CMSG_SPACE(static_cast<size_t>(n))));
}

void InitMsg(Napi::Env env, Napi::Object exports) {
  exports.Set("sendmsg", Napi::Function::New(env, Sendmsg, "sendmsg"));
  exports.Set("recvmsg", Napi::Function::New(env, Recvmsg, "recvmsg"));
#ifdef __linux__
  exports.Set("recvmmsg", Napi::Function::New(env, Recvmmsg, "recvmmsg"));
  exports.Set("recvmmsg_slab", Napi::Function::New(env, RecvmmsgSlab, "recvmmsg_slab"));
  exports.Set("sendmmsg", Napi::Function::New(env, Sendmmsg, "sendmmsg"));
  exports.Set("sendfile", Napi::Function::New(env, Sendfile, "sendfile"));
#endif
  exports.Set("CMSG_LEN", Napi::Function::New(env, CmsgLen, "CMSG_LEN"));
  exports.Set("CMSG_SPACE", Napi::Function::New(env, CmsgSpace, "CMSG_SPACE"));
  exports.Set("SOCKADDR_SLOT", Napi::Number::New(env, static_cast<double>(sizeof(sockaddr_storage))));
}

}  // namespace bsdsock
