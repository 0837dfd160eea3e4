// Globals: `const volatile` (rodata), .data and .bss variables, found through the object's BTF and
// written into the initial value of their internal map before load.
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "bytes.h"
#include "errors.h"
#include "object.h"

namespace sonde {

namespace {

// libbpf 1.1 names internal maps "<first 8 chars of object name><section>" (".rodata", ".bss"),
// or the section name itself for custom ".rodata.*"/".data.*" sections.
bpf_map* InternalMapFor(bpf_object* obj, const char* sec) {
  size_t sl = strlen(sec);
  bpf_map* m;
  bpf_object__for_each_map(m, obj) {
    if (!bpf_map__is_internal(m)) continue;
    const char* n = bpf_map__name(m);
    size_t nl = strlen(n);
    if (nl >= sl && strcmp(n + nl - sl, sec) == 0) return m;
  }
  return nullptr;
}

}  // namespace

std::vector<GlobalVar> CollectGlobals(bpf_object* obj) {
  std::vector<GlobalVar> out;
  const btf* b = bpf_object__btf(obj);
  if (!b) return out;
  uint32_t n = btf__type_cnt(b);
  for (uint32_t id = 1; id < n; id++) {
    const btf_type* t = btf__type_by_id(b, id);
    if (!t || !btf_is_datasec(t)) continue;
    const char* sec = btf__name_by_offset(b, t->name_off);
    if (!sec || (strncmp(sec, ".kconfig", 8) == 0 || strncmp(sec, ".ksyms", 6) == 0)) continue;
    bpf_map* map = InternalMapFor(obj, sec);
    if (!map) continue;
    const btf_var_secinfo* vsi = btf_var_secinfos(t);
    for (uint16_t i = 0; i < btf_vlen(t); i++, vsi++) {
      const btf_type* v = btf__type_by_id(b, vsi->type);
      if (!v || !btf_is_var(v)) continue;
      const char* name = btf__name_by_offset(b, v->name_off);
      // "func.var": a function-scope static the compiler placed there (format strings, ...)
      if (!name || !*name || strchr(name, '.')) continue;
      out.push_back({name, sec, vsi->offset, vsi->size, map});
    }
  }
  return out;
}

Napi::Value BpfObject::Globals(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array arr = Napi::Array::New(env);
  uint32_t i = 0;
  for (const GlobalVar& g : CollectGlobals(Obj(env, Stage::Open))) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", g.name);
    o.Set("section", g.section);
    o.Set("offset", g.offset);
    o.Set("size", g.size);
    arr.Set(i++, o);
  }
  return arr;
}

Napi::Value BpfObject::SetGlobal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = GetString(info, 0, "name");
  if (info.Length() < 2) throw Napi::TypeError::New(env, "bytes must be a Uint8Array or Buffer");
  Bytes bytes = GetBytes(info[1], "bytes");
  RequireLoaded(env, Stage::Load, false);
  for (const GlobalVar& g : CollectGlobals(obj_)) {
    if (g.name != name) continue;
    if (bytes.size > g.size)
      throw Napi::RangeError::New(env, "global '" + name + "' is " + std::to_string(g.size) +
                                           " bytes, got " + std::to_string(bytes.size));
    size_t sz = 0;
    const void* cur = bpf_map__initial_value(g.map, &sz);
    if (!cur || g.offset + g.size > sz)
      throw BpfErrorHint(env, Stage::Load, EINVAL, "global '" + name + "' has no initial value", "");
    std::vector<uint8_t> data(static_cast<const uint8_t*>(cur), static_cast<const uint8_t*>(cur) + sz);
    // a shorter value is zero-extended (little-endian: a u32 written into a u64 keeps its value)
    memset(data.data() + g.offset, 0, g.size);
    memcpy(data.data() + g.offset, bytes.data, bytes.size);
    int err = bpf_map__set_initial_value(g.map, data.data(), data.size());
    if (err) throw BpfError(env, Stage::Load, err, "setGlobal '" + name + "'");
    return env.Undefined();
  }
  throw BpfErrorHint(env, Stage::Load, ENOENT, "no global '" + name + "' in the object's BTF",
                     "globals() lists them; a global the program never reads may be optimized out");
}

}  // namespace sonde
