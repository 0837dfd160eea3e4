#include "ringbuf.h"

#include <bpf/libbpf.h>
#include <sys/epoll.h>

#include <cerrno>
#include <cstring>

#include "env.h"
#include "errors.h"

namespace sonde {

namespace {

constexpr size_t kDefaultMax = 1 << 20;
// The sample callback's "buffer full, stop here" signal; any other negative value is an error.
constexpr int kStop = -ENOBUFS;

void Append(std::vector<uint8_t>& out, const void* data, size_t len) {
  size_t at = out.size();
  out.resize(at + RecordSize(len), 0);
  uint32_t len32 = static_cast<uint32_t>(len);
  memcpy(out.data() + at, &len32, 4);
  memcpy(out.data() + at + 4, data, len);
}

// libbpf has advanced the consumer position past this sample by the time it calls us (even when we
// return an error), so a sample is either copied to `out` or kept in `carry`, never dropped.
int OnSample(void* ctx, void* data, size_t len) {
  auto* st = static_cast<RingState*>(ctx);
  if (!st->out.empty() && st->out.size() + RecordSize(len) > st->maxBytes) {
    auto* p = static_cast<uint8_t*>(data);
    st->carry.emplace_back(p, p + len);
    return kStop;
  }
  Append(st->out, data, len);  // an oversized sample goes out alone rather than never
  st->records++;
  return st->out.size() >= st->maxBytes ? kStop : 0;
}

size_t MaxBytesArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || info[i].IsUndefined()) return kDefaultMax;
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), "maxBytes must be a number");
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 8) || v > double(1u << 30))
    throw Napi::RangeError::New(info.Env(), "maxBytes must be between 8 and 1 GiB");
  return static_cast<size_t>(v);
}

}  // namespace

void RingState::Free() {
  if (rb) ring_buffer__free(rb);
  rb = nullptr;
  carry.clear();
  out.clear();
  out.shrink_to_fit();
}

std::shared_ptr<RingState> RingBuffer::Open(Napi::Env env, int mapFd, const std::string& name) {
  auto st = std::make_shared<RingState>();
  st->rb = ring_buffer__new(mapFd, OnSample, st.get(), nullptr);
  if (!st->rb) throw BpfError(env, Stage::Attach, errno, "ring buffer '" + name + "'");
  return st;
}

Napi::Function RingBuffer::Init(Napi::Env env) {
  return DefineClass(env, "RingBuffer",
                     {InstanceMethod<&RingBuffer::Consume>("consume"),
                      InstanceMethod<&RingBuffer::Poll>("poll"),
                      InstanceMethod<&RingBuffer::Close>("close")});
}

Napi::Object RingBuffer::New(Napi::Env env, std::shared_ptr<RingState> state, Napi::Object owner) {
  // the constructor copies the shared_ptr out of the External; holder only lives for the call
  auto holder = std::make_unique<std::shared_ptr<RingState>>(std::move(state));
  Napi::Object obj = GetEnvData(env)->ringCtor.New(
      {Napi::External<std::shared_ptr<RingState>>::New(env, holder.get())});
  // Keeps the BpfObject alive (not garbage collected, so not closed) while the ring is in use.
  obj.DefineProperty(Napi::PropertyDescriptor::Value("owner", owner, napi_default));
  return obj;
}

RingBuffer::RingBuffer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RingBuffer>(info) {
  if (info.Length() < 1 || !info[0].IsExternal())
    throw Napi::TypeError::New(info.Env(), "RingBuffer is created by BpfObject.ringBuffer()");
  state_ = *info[0].As<Napi::External<std::shared_ptr<RingState>>>().Data();
}

RingState& RingBuffer::Live(Napi::Env env) {
  if (!state_ || !state_->rb) throw BpfError(env, Stage::Read, EBADF, "ring buffer is closed");
  return *state_;
}

Napi::Value RingBuffer::Drain(Napi::Env env, size_t maxBytes) {
  RingState& st = Live(env);
  st.out.clear();
  st.records = 0;
  st.maxBytes = maxBytes;
  while (!st.carry.empty()) {
    auto& s = st.carry.front();
    if (!st.out.empty() && st.out.size() + RecordSize(s.size()) > maxBytes) break;
    Append(st.out, s.data(), s.size());
    st.records++;
    st.carry.pop_front();
  }
  if (st.carry.empty() && st.out.size() < maxBytes) {
    int n = ring_buffer__consume(st.rb);
    if (n < 0 && n != kStop) throw BpfError(env, Stage::Read, n, "ring buffer consume");
  }
  Napi::Object res = Napi::Object::New(env);
  res.Set("buf", Napi::Buffer<uint8_t>::Copy(env, st.out.data(), st.out.size()));
  res.Set("records", st.records);
  res.Set("bytes", static_cast<double>(st.out.size()));
  st.out.clear();
  if (st.out.capacity() > 4 * kDefaultMax) st.out.shrink_to_fit();
  return res;
}

Napi::Value RingBuffer::Consume(const Napi::CallbackInfo& info) {
  return Drain(info.Env(), MaxBytesArg(info, 0));
}

Napi::Value RingBuffer::Poll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber())
    throw Napi::TypeError::New(env, "timeoutMs must be a number");
  double t = info[0].As<Napi::Number>().DoubleValue();
  if (!(t >= 0)) throw Napi::RangeError::New(env, "timeoutMs must be >= 0");
  int timeout = t > 3600e3 ? 3600000 : static_cast<int>(t);
  size_t maxBytes = MaxBytesArg(info, 1);
  RingState& st = Live(env);
  if (st.carry.empty() && timeout > 0) {
    // Level-triggered on "data available", so samples left behind by a bounded drain wake us too.
    epoll_event ev[4];
    int n = epoll_wait(ring_buffer__epoll_fd(st.rb), ev, 4, timeout);
    if (n < 0 && errno != EINTR) throw BpfError(env, Stage::Read, errno, "ring buffer poll");
  }
  return Drain(env, maxBytes);
}

Napi::Value RingBuffer::Close(const Napi::CallbackInfo& info) {
  if (state_) state_->Free();
  return info.Env().Undefined();
}

}  // namespace sonde
