// Errors are mapped in one place. lib/errors.ts registers a factory
// (errno, syscall, address) => SocketError; every C++ path that fails with an
// errno throws what that factory returns, so native and TypeScript errors are
// one class with one `code` table. Hot I/O calls do not come here: they
// return -errno as a value (EAGAIN is no exception and costs no allocation).
#include "bsdsock.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace bsdsock {

// strerror_r comes in two flavours: GNU (returns the text) and XSI (fills
// the buffer, returns 0). Overloads pick whichever this libc has.
[[maybe_unused]] static const char* StrerrorResult(const char* r, const char*) { return r; }
[[maybe_unused]] static const char* StrerrorResult(int r, const char* buf) { return r == 0 ? buf : nullptr; }

std::string ErrnoMessage(int err) {
  char buf[256];
  buf[0] = '\0';
  const char* m = StrerrorResult(strerror_r(err, buf, sizeof buf), buf);
  if (m == nullptr || *m == '\0') return "Unknown error " + std::to_string(err);
  return m;
}

void ThrowErrno(Napi::Env env, int err, const char* syscall, Napi::Value address) {
  AddonData* data = GetData(env);
  Napi::Value addr = address.IsEmpty() ? env.Undefined() : address;
  // When the environment is being torn down (worker.terminate()), Call
  // fails and throws a Napi::Error; node-addon-api then drops it, as
  // NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS asks (binding.gyp).
  if (!data->error_factory.IsEmpty()) {
    Napi::Value e = data->error_factory.Call(
        {Napi::Number::New(env, err), Napi::String::New(env, syscall), addr});
    throw Napi::Error(env, e);
  }
  // Only reached if the addon is used without lib/ (no factory registered).
  Napi::Error e = Napi::Error::New(env, std::string(syscall) + ": " + ErrnoMessage(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  throw e;
}

void ThrowType(Napi::Env env, const char* msg) { throw Napi::TypeError::New(env, msg); }
void ThrowRange(Napi::Env env, const char* msg) { throw Napi::RangeError::New(env, msg); }

bool IsInteger(double d) {
  // Checked before any cast: casting NaN or 1e300 to int64_t is undefined.
  // No libm call (trunc/fabs are calls without SSE4.1): this runs for every
  // integer argument of every call, ~6 per datagram.
  if (!(d >= -9007199254740991.0 && d <= 9007199254740991.0)) return false;  // NaN fails too
  return static_cast<double>(static_cast<int64_t>(d)) == d;
}

static std::string ArgMsg(const char* name, const char* what) {
  return std::string("The \"") + name + "\" argument must be " + what;
}

static std::string NumText(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  // The shortest of %.15g / %.17g that reads back as d (1.7, not 1.7000000000000002).
  char buf[32];
  snprintf(buf, sizeof buf, "%.15g", d);
  if (strtod(buf, nullptr) != d) snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

int64_t IntIn(Napi::Env env, napi_value v, const char* name, int64_t min, int64_t max) {
  double d;
  // One N-API call, and no JS: napi_number_expected for anything that is not
  // a number (a Number object's valueOf is never called).
  if (napi_get_value_double(env, v, &d) != napi_ok)
    throw Napi::TypeError::New(env, ArgMsg(name, "an integer"));
  // The hot path: an integer in range, two comparisons and one cast.
  if (IsInteger(d) && d >= static_cast<double>(min) && d <= static_cast<double>(max)) return static_cast<int64_t>(d);
  if (std::isnan(d) || (std::isfinite(d) && std::trunc(d) != d))
    throw Napi::TypeError::New(env, ArgMsg(name, "an integer") + ", got " + NumText(d));
  // Compared as doubles before any cast: every bound here is exact in a double
  // except INT64_MAX, which no JS integer reaches (2^53 is the limit of IsInteger).
  if (!IsInteger(d) || d < static_cast<double>(min) || d > static_cast<double>(max))
    throw Napi::RangeError::New(env, ArgMsg(name, "in the range ") + std::to_string(min) + " to " +
                                         std::to_string(max) + ", got " + NumText(d));
  return static_cast<int64_t>(d);
}

int64_t ArgInt64(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return IntIn(info.Env(), info[i], name, -9007199254740991LL, 9007199254740991LL);
}

int32_t ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return IntOf<int32_t>(info.Env(), info[i], name);
}

int32_t ArgIntOr(const Napi::CallbackInfo& info, size_t i, const char* name, int32_t dflt) {
  if (info[i].IsUndefined()) return dflt;
  return ArgInt(info, i, name);
}

bool IsBytes(Napi::Value v) { return v.IsTypedArray() || v.IsArrayBuffer() || v.IsDataView(); }

size_t TypedArrayElementSize(napi_typedarray_type t) {
  switch (t) {
    case napi_int16_array: case napi_uint16_array: return 2;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: return 4;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: return 8;
    default: return 1;
  }
}

// A view over a detached ArrayBuffer reports length 0 (and maybe a stale or
// NULL pointer): reading 0 bytes into it would look like EOF, so it is an
// error, as Python's "operation on released buffer".
static void CheckAttached(Napi::Env env, napi_value ab, const char* name) {
  bool detached = false;
  if (napi_is_detached_arraybuffer(env, ab, &detached) == napi_ok && detached)
    throw Napi::TypeError::New(env, ArgMsg(name, "a buffer that is not detached (its ArrayBuffer was transferred or detached)"));
}

// On the hot path (every send and recv): a TypedArray costs two N-API calls
// (napi_get_typedarray_info hands back the data pointer already offset); the
// detached check costs one more, only for an empty view.
Bytes ToBytes(Napi::Env env, Napi::Value v, const char* name) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (is) {
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    napi_value ab = nullptr;
    if (napi_get_typedarray_info(env, v, &type, &length, &data, &ab, nullptr) == napi_ok) {
      if (length == 0) CheckAttached(env, ab, name);
      return {static_cast<char*>(data), length * TypedArrayElementSize(type)};
    }
  }
  if (v.IsDataView()) {
    size_t length = 0;
    void* data = nullptr;
    napi_value ab = nullptr;
    if (napi_get_dataview_info(env, v, &length, &data, &ab, nullptr) == napi_ok) {
      CheckAttached(env, ab, name);
      return {static_cast<char*>(data), length};
    }
  }
  if (v.IsArrayBuffer()) {
    Napi::ArrayBuffer ab = v.As<Napi::ArrayBuffer>();
    size_t length = ab.ByteLength();
    if (length == 0) CheckAttached(env, ab, name);
    return {static_cast<char*>(ab.Data()), length};
  }
  throw Napi::TypeError::New(
      env, ArgMsg(name, "a Buffer, TypedArray, DataView or ArrayBuffer"));
}

Bytes ArgBytes(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return ToBytes(info.Env(), info[i], name);
}

static Napi::Value SetErrorFactory(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) ThrowType(info.Env(), "error factory must be a function");
  GetData(info.Env())->error_factory = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

static Napi::Value StrError(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), ErrnoMessage(ArgInt(info, 0, "errno")));
}

void InitErrors(Napi::Env env, Napi::Object exports) {
  exports.Set("setErrorFactory", Napi::Function::New(env, SetErrorFactory, "setErrorFactory"));
  exports.Set("strerror", Napi::Function::New(env, StrError, "strerror"));
}

}  // namespace bsdsock
