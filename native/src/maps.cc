// Map reads and writes: batch dumps, single lookups/updates, clearing, stack traces, ring buffers.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "bytes.h"
#include "errors.h"
#include "object.h"
#include "ringbuf.h"

namespace sonde {

namespace {

constexpr size_t kMaxDumpEntries = 1u << 24;  // a bound for the iterate fallback

bool IsPerCpu(bpf_map_type t) {
  return t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_ARRAY ||
         t == BPF_MAP_TYPE_LRU_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

bool IsArray(bpf_map_type t) {
  return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY;
}

int NumCpus() {
  static const int n = libbpf_num_possible_cpus();  // thread-safe static init
  return n > 0 ? n : 1;
}

// What the syscalls copy per value: per-CPU maps hand out one 8-byte-aligned slot per possible CPU.
size_t ValueStride(bpf_map* m) {
  size_t vs = bpf_map__value_size(m);
  if (IsPerCpu(bpf_map__type(m))) return ((vs + 7) & ~size_t(7)) * NumCpus();
  return vs;
}

struct Dump {
  std::vector<uint8_t> keys, values;
  size_t count = 0;
};

// Returns false when the map has no batch support (caller falls back to iterating).
bool DumpBatch(Napi::Env env, int fd, size_t ks, size_t vs, size_t hint, Dump& d) {
  size_t cap = std::max<size_t>(64, std::min<size_t>(hint, 4096));
  d.keys.resize(cap * ks);
  d.values.resize(cap * vs);
  // batch tokens: u32 bucket/index for hash and array maps; key-sized is always enough
  std::vector<uint8_t> in(std::max<size_t>(ks, 8)), out(std::max<size_t>(ks, 8));
  bool first = true;
  for (int guard = 0; guard < 1 << 20; guard++) {
    if (d.count == cap) {
      cap *= 2;
      d.keys.resize(cap * ks);
      d.values.resize(cap * vs);
    }
    uint32_t n = static_cast<uint32_t>(cap - d.count);
    int err = bpf_map_lookup_batch(fd, first ? nullptr : in.data(), out.data(),
                                   d.keys.data() + d.count * ks, d.values.data() + d.count * vs,
                                   &n, nullptr);
    int e = err ? errno : 0;
    if (err && e == ENOSPC && n == 0) {  // one hash bucket holds more than the room left
      cap *= 2;
      d.keys.resize(cap * ks);
      d.values.resize(cap * vs);
      continue;
    }
    if (err && e != ENOENT) {
      if (first && (e == EINVAL || e == ENOTSUP || e == 524 /* ENOTSUPP */ || e == ENOSYS))
        return false;
      throw BpfError(env, Stage::Read, e, "lookup batch");
    }
    d.count += n;
    if (err) return true;  // ENOENT: no more entries
    first = false;
    std::swap(in, out);
  }
  throw BpfErrorHint(env, Stage::Read, E2BIG, "lookup batch did not finish", "");
}

void DumpIterate(Napi::Env env, int fd, size_t ks, size_t vs, Dump& d) {
  std::vector<uint8_t> key(ks), next(ks);
  bool first = true;
  while (d.count < kMaxDumpEntries) {
    if (bpf_map_get_next_key(fd, first ? nullptr : key.data(), next.data())) {
      if (errno == ENOENT) return;
      throw BpfError(env, Stage::Read, errno, "map iterate");
    }
    first = false;
    key.swap(next);
    d.values.resize((d.count + 1) * vs);
    if (bpf_map_lookup_elem(fd, key.data(), d.values.data() + d.count * vs)) {
      if (errno == ENOENT) continue;  // deleted meanwhile
      throw BpfError(env, Stage::Read, errno, "map lookup");
    }
    d.keys.insert(d.keys.end(), key.begin(), key.end());
    d.count++;
  }
}

}  // namespace

Napi::Value BpfObject::LookupBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = GetString(info, 0, "map");
  bpf_map* m = LoadedMap(env, name);
  int fd = bpf_map__fd(m);
  size_t ks = bpf_map__key_size(m), vs = ValueStride(m);
  Dump d;
  if (ks == 0 || !DumpBatch(env, fd, ks, vs, bpf_map__max_entries(m), d)) {
    d = Dump();
    if (ks == 0) throw BpfErrorHint(env, Stage::Read, EINVAL, "map '" + name + "' has no keys", "");
    DumpIterate(env, fd, ks, vs, d);
  }
  Napi::Object res = Napi::Object::New(env);
  res.Set("keys", Napi::Buffer<uint8_t>::Copy(env, d.keys.data(), d.count * ks));
  res.Set("values", Napi::Buffer<uint8_t>::Copy(env, d.values.data(), d.count * vs));
  res.Set("count", static_cast<double>(d.count));
  res.Set("keySize", static_cast<double>(ks));
  res.Set("valueSize", static_cast<double>(vs));
  res.Set("cpus", IsPerCpu(bpf_map__type(m)) ? NumCpus() : 1);
  return res;
}

Napi::Value BpfObject::Lookup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = GetString(info, 0, "map");
  if (info.Length() < 2) throw Napi::TypeError::New(env, "key must be a Uint8Array or Buffer");
  Bytes key = GetBytes(info[1], "key");
  bpf_map* m = LoadedMap(env, name);
  if (key.size != bpf_map__key_size(m))
    throw Napi::RangeError::New(env, "key of map '" + name + "' is " +
                                         std::to_string(bpf_map__key_size(m)) + " bytes");
  std::vector<uint8_t> value(ValueStride(m));
  if (bpf_map_lookup_elem(bpf_map__fd(m), key.data, value.data())) {
    if (errno == ENOENT) return env.Null();
    throw BpfError(env, Stage::Read, errno, "lookup in '" + name + "'");
  }
  return Napi::Buffer<uint8_t>::Copy(env, value.data(), value.size());
}

Napi::Value BpfObject::Update(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = GetString(info, 0, "map");
  if (info.Length() < 3) throw Napi::TypeError::New(env, "update(map, key, value)");
  Bytes key = GetBytes(info[1], "key");
  Bytes value = GetBytes(info[2], "value");
  bpf_map* m = LoadedMap(env, name);
  if (key.size != bpf_map__key_size(m) || value.size != ValueStride(m))
    throw Napi::RangeError::New(env, "map '" + name + "' takes " +
                                         std::to_string(bpf_map__key_size(m)) + "-byte keys and " +
                                         std::to_string(ValueStride(m)) + "-byte values");
  if (bpf_map_update_elem(bpf_map__fd(m), key.data, value.data, BPF_ANY))
    throw BpfError(env, Stage::Read, errno, "update in '" + name + "'");
  return env.Undefined();
}

Napi::Value BpfObject::Clear(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = GetString(info, 0, "map");
  bpf_map* m = LoadedMap(env, name);
  int fd = bpf_map__fd(m);
  size_t ks = bpf_map__key_size(m);
  // Collect first: deleting while walking with get_next_key restarts hash walks.
  std::vector<std::vector<uint8_t>> keys;
  std::vector<uint8_t> key(ks), next(ks);
  bool first = true;
  while (keys.size() < kMaxDumpEntries) {
    if (bpf_map_get_next_key(fd, first ? nullptr : key.data(), next.data())) {
      if (errno == ENOENT) break;
      throw BpfError(env, Stage::Read, errno, "clear '" + name + "'");
    }
    first = false;
    key.swap(next);
    keys.push_back(key);
  }
  uint32_t cleared = 0;
  if (IsArray(bpf_map__type(m))) {  // array slots cannot be deleted: zero them
    std::vector<uint8_t> zero(ValueStride(m), 0);
    for (auto& k : keys)
      if (bpf_map_update_elem(fd, k.data(), zero.data(), BPF_EXIST) == 0) cleared++;
  } else {
    for (auto& k : keys) {
      if (bpf_map_delete_elem(fd, k.data()) == 0) cleared++;
      else if (errno != ENOENT) throw BpfError(env, Stage::Read, errno, "clear '" + name + "'");
    }
  }
  return Napi::Number::New(env, cleared);
}

Napi::Value BpfObject::Stack(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = GetString(info, 0, "map");
  if (info.Length() < 2 || !info[1].IsNumber()) throw Napi::TypeError::New(env, "id must be a number");
  int64_t id = info[1].As<Napi::Number>().Int64Value();
  bpf_map* m = LoadedMap(env, name);
  if (bpf_map__type(m) != BPF_MAP_TYPE_STACK_TRACE)
    throw BpfErrorHint(env, Stage::Read, EINVAL, "map '" + name + "' is not a stack trace map", "");
  size_t depth = bpf_map__value_size(m) / 8;
  std::vector<uint64_t> ips(depth, 0);
  size_t n = 0;
  // negative ids are bpf_get_stackid() errors (-EFAULT, -EEXIST): no stack to show
  if (id >= 0 && id <= 0xffffffffLL) {
    uint32_t key = static_cast<uint32_t>(id);
    if (bpf_map_lookup_elem(bpf_map__fd(m), &key, ips.data()) == 0) {
      while (n < depth && ips[n] != 0) n++;
    } else if (errno != ENOENT) {
      throw BpfError(env, Stage::Read, errno, "stack " + std::to_string(id) + " in '" + name + "'");
    }
  }
  auto arr = Napi::TypedArrayOf<uint64_t>::New(env, n, napi_biguint64_array);
  if (n) memcpy(arr.Data(), ips.data(), n * 8);
  return arr;
}

Napi::Value BpfObject::RingBufferOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = GetString(info, 0, "map");
  RequireLoaded(env, Stage::Attach, true);
  bpf_map* m = Map(env, name, Stage::Attach);
  if (bpf_map__type(m) != BPF_MAP_TYPE_RINGBUF)
    throw BpfErrorHint(env, Stage::Attach, EINVAL, "map '" + name + "' is not a ring buffer", "");
  // One consumer per map: two would race on the shared consumer position.
  auto& slot = rings_[name];
  if (!slot || !slot->rb) slot = RingBuffer::Open(env, bpf_map__fd(m), name);
  return RingBuffer::New(env, slot, Value());
}

}  // namespace sonde
