// RingBuffer: bounded, non-blocking drains of a BPF_MAP_TYPE_RINGBUF into one Buffer per call.
#pragma once

#include <napi.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

struct ring_buffer;

namespace sonde {

// The libbpf consumer of one ring buffer map. Owned jointly by the BpfObject (which frees it on
// close) and the JS RingBuffer wrappers; after Free() every call fails cleanly.
struct RingState {
  ring_buffer* rb = nullptr;
  // Samples libbpf already handed over (consumer position advanced) that did not fit the last
  // call's buffer; they are emitted first by the next call.
  std::deque<std::vector<uint8_t>> carry;
  // Scratch of the current drain, read by the sample callback.
  std::vector<uint8_t> out;
  size_t maxBytes = 0;
  uint32_t records = 0;

  ~RingState() { Free(); }
  void Free();
};

// u32 length, the sample, zero padding up to the next multiple of 8.
inline size_t RecordSize(size_t len) { return (4 + len + 7) & ~size_t(7); }

class RingBuffer : public Napi::ObjectWrap<RingBuffer> {
 public:
  static Napi::Function Init(Napi::Env env);
  // owner: the BpfObject JS value, kept reachable while this wrapper lives.
  static Napi::Object New(Napi::Env env, std::shared_ptr<RingState> state, Napi::Object owner);
  // Creates the libbpf consumer over a ringbuf map fd; throws BpfError.
  static std::shared_ptr<RingState> Open(Napi::Env env, int mapFd, const std::string& name);

  explicit RingBuffer(const Napi::CallbackInfo& info);

 private:
  Napi::Value Consume(const Napi::CallbackInfo& info);
  Napi::Value Poll(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Drain(Napi::Env env, size_t maxBytes);
  RingState& Live(Napi::Env env);

  std::shared_ptr<RingState> state_;
};

}  // namespace sonde
