// Errors are mapped in one place. lib/errors.ts registers a factory
// (errno, syscall, address) => SocketError; every C++ path that fails with an
// errno throws what that factory returns, so native and TypeScript errors are
// one class with one `code` table. Hot I/O calls do not come here: they
// return -errno as a value (EAGAIN is no exception and costs no allocation).
#include "bsdsock.h"

#include <cmath>
#include <cstring>

namespace bsdsock {

void ThrowErrno(Napi::Env env, int err, const char* syscall, Napi::Value address) {
  AddonData* data = GetData(env);
  Napi::Value addr = address.IsEmpty() ? env.Undefined() : address;
  if (!data->error_factory.IsEmpty()) {
    Napi::Value e = data->error_factory.Call(
        {Napi::Number::New(env, err), Napi::String::New(env, syscall), addr});
    throw Napi::Error(env, e);
  }
  // Only reached if the addon is used without lib/ (no factory registered).
  Napi::Error e = Napi::Error::New(env, std::string(syscall) + ": " + strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  throw e;
}

void ThrowType(Napi::Env env, const char* msg) { throw Napi::TypeError::New(env, msg); }
void ThrowRange(Napi::Env env, const char* msg) { throw Napi::RangeError::New(env, msg); }

bool IsInteger(double d) {
  // Checked before any cast: casting NaN or 1e300 to int64_t is undefined.
  return std::isfinite(d) && std::trunc(d) == d && std::fabs(d) <= 9007199254740991.0;
}

static std::string ArgMsg(const char* name, const char* what) {
  return std::string("The \"") + name + "\" argument must be " + what;
}

int64_t ArgInt64(const Napi::CallbackInfo& info, size_t i, const char* name) {
  double d;
  // One N-API call: napi_number_expected for anything that is not a number.
  if (napi_get_value_double(info.Env(), info[i], &d) != napi_ok)
    throw Napi::TypeError::New(info.Env(), ArgMsg(name, "an integer"));
  if (!IsInteger(d)) throw Napi::RangeError::New(info.Env(), ArgMsg(name, "an integer"));
  return static_cast<int64_t>(d);
}

int32_t ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name) {
  int64_t v = ArgInt64(info, i, name);
  if (v < INT32_MIN || v > INT32_MAX)
    throw Napi::RangeError::New(info.Env(), ArgMsg(name, "a 32-bit integer"));
  return static_cast<int32_t>(v);
}

int32_t ArgIntOr(const Napi::CallbackInfo& info, size_t i, const char* name, int32_t dflt) {
  if (info[i].IsUndefined()) return dflt;
  return ArgInt(info, i, name);
}

bool IsBytes(Napi::Value v) { return v.IsTypedArray() || v.IsArrayBuffer() || v.IsDataView(); }

static size_t ElementSize(napi_typedarray_type t) {
  switch (t) {
    case napi_int16_array: case napi_uint16_array: return 2;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: return 4;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: return 8;
    default: return 1;
  }
}

// On the hot path (every send and recv): a TypedArray costs two N-API calls
// (napi_get_typedarray_info hands back the data pointer already offset).
Bytes ToBytes(Napi::Env env, Napi::Value v, const char* name) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (is) {
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    if (napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) == napi_ok)
      return {static_cast<char*>(data), length * ElementSize(type)};
  }
  if (v.IsDataView()) {
    Napi::DataView dv = v.As<Napi::DataView>();
    return {static_cast<char*>(dv.Data()), dv.ByteLength()};
  }
  if (v.IsArrayBuffer()) {
    Napi::ArrayBuffer ab = v.As<Napi::ArrayBuffer>();
    return {static_cast<char*>(ab.Data()), ab.ByteLength()};
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
  return Napi::String::New(info.Env(), strerror(ArgInt(info, 0, "errno")));
}

void InitErrors(Napi::Env env, Napi::Object exports) {
  exports.Set("setErrorFactory", Napi::Function::New(env, SetErrorFactory, "setErrorFactory"));
  exports.Set("strerror", Napi::Function::New(env, StrError, "strerror"));
}

}  // namespace bsdsock
