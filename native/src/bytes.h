// Read-only views of the byte arguments JS passes in (Buffer, any TypedArray, DataView).
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace sonde {

struct Bytes {
  const uint8_t* data = nullptr;
  size_t size = 0;
};

inline Bytes GetBytes(const Napi::Value& v, const char* what) {
  if (v.IsTypedArray()) {
    auto ta = v.As<Napi::TypedArray>();
    auto* base = static_cast<uint8_t*>(ta.ArrayBuffer().Data());
    return {base + ta.ByteOffset(), ta.ByteLength()};
  }
  if (v.IsDataView()) {
    auto dv = v.As<Napi::DataView>();
    auto* base = static_cast<uint8_t*>(dv.ArrayBuffer().Data());
    return {base + dv.ByteOffset(), dv.ByteLength()};
  }
  throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a Uint8Array or Buffer");
}

inline std::string GetString(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsString())
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

}  // namespace sonde
