// Feature probes: what this kernel offers, answered from vmlinux BTF, tracefs and libbpf probes.
#include "features.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "bytes.h"

namespace sonde {

namespace {

// Parsed once per process (C++ static init is thread-safe) and never freed; read-only afterwards.
const btf* Vmlinux() {
  static const btf* b = [] {
    btf* v = btf__load_vmlinux_btf();
    return libbpf_get_error(v) ? nullptr : v;
  }();
  return b;
}

bool SafeName(const std::string& s) {
  return !s.empty() && s.find('/') == std::string::npos && s != "." && s != "..";
}

bool HasKind(const btf* b, const std::string& name, int kind) {
  return btf__find_by_name_kind(b, name.c_str(), kind) > 0;
}

Napi::Value Btf(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Vmlinux() != nullptr);
}

Napi::Value BtfType(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = GetString(info, 0, "name");
  const btf* b = Vmlinux();
  if (!b) return Napi::Boolean::New(env, false);
  if (info.Length() < 2 || info[1].IsUndefined())
    return Napi::Boolean::New(env, btf__find_by_name(b, name.c_str()) > 0);
  std::string kind = GetString(info, 1, "kind");
  bool found;
  if (kind == "typedef") found = HasKind(b, name, BTF_KIND_TYPEDEF);
  else if (kind == "struct") found = HasKind(b, name, BTF_KIND_STRUCT);
  else if (kind == "union") found = HasKind(b, name, BTF_KIND_UNION);
  else if (kind == "enum") found = HasKind(b, name, BTF_KIND_ENUM) || HasKind(b, name, BTF_KIND_ENUM64);
  else if (kind == "func") found = HasKind(b, name, BTF_KIND_FUNC);
  else throw Napi::TypeError::New(env, "kind must be typedef, struct, union, enum or func");
  return Napi::Boolean::New(env, found);
}

Napi::Value TpBtf(const Napi::CallbackInfo& info) {
  std::string ev = GetString(info, 0, "event");
  const btf* b = Vmlinux();
  return Napi::Boolean::New(info.Env(), b && HasKind(b, "btf_trace_" + ev, BTF_KIND_TYPEDEF));
}

// The func_proto behind a raw tracepoint's `btf_trace_<ev>` typedef (a pointer to it), or null.
const btf_type* TraceProto(const btf* b, const std::string& ev) {
  int id = btf__find_by_name_kind(b, ("btf_trace_" + ev).c_str(), BTF_KIND_TYPEDEF);
  if (id <= 0) return nullptr;
  const btf_type* t = btf__type_by_id(b, id);
  t = btf__type_by_id(b, t->type);  // typedef -> pointer
  if (!t || !btf_is_ptr(t)) return nullptr;
  t = btf__type_by_id(b, t->type);
  return t && btf_is_func_proto(t) ? t : nullptr;
}

// Arguments a tp_btf program sees for the event: the trace function's, minus its `void *__data`.
// -1 when the event has no BTF.
Napi::Value TpBtfArgs(const Napi::CallbackInfo& info) {
  std::string ev = GetString(info, 0, "event");
  const btf* b = Vmlinux();
  const btf_type* proto = b ? TraceProto(b, ev) : nullptr;
  return Napi::Number::New(info.Env(), proto ? btf_vlen(proto) - 1 : -1);
}

// struct (or union) `name` has a member `field`, looked up through anonymous members as CO-RE does.
bool HasMember(const btf* b, const btf_type* t, const std::string& field, int depth = 0) {
  if (!t || depth > 8 || !(btf_is_struct(t) || btf_is_union(t))) return false;
  const btf_member* m = btf_members(t);
  for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
    const char* n = btf__name_by_offset(b, m->name_off);
    if (n && field == n) return true;
    if (!n || !*n) {
      const btf_type* inner = btf__type_by_id(b, m->type);
      while (inner && (btf_is_typedef(inner) || btf_is_mod(inner))) inner = btf__type_by_id(b, inner->type);
      if (HasMember(b, inner, field, depth + 1)) return true;
    }
  }
  return false;
}

Napi::Value BtfField(const Napi::CallbackInfo& info) {
  std::string st = GetString(info, 0, "struct");
  std::string field = GetString(info, 1, "field");
  const btf* b = Vmlinux();
  bool found = false;
  if (b) {
    for (int kind : {BTF_KIND_STRUCT, BTF_KIND_UNION}) {
      int id = btf__find_by_name_kind(b, st.c_str(), kind);
      if (id > 0 && HasMember(b, btf__type_by_id(b, id), field)) found = true;
    }
  }
  return Napi::Boolean::New(info.Env(), found);
}

// A kernel function can be attached to: a text symbol in /proc/kallsyms (names are listed even
// without root; a function inlined everywhere or marked notrace has none). Read once per process.
bool KallsymsHas(const std::string& fn) {
  static std::set<std::string>* syms = [] {
    auto* s = new std::set<std::string>();
    std::ifstream in("/proc/kallsyms");
    std::string addr, type, name;
    while (in >> addr >> type) {
      std::getline(in, name);
      size_t a = name.find_first_not_of(" \t");
      size_t e = name.find_first_of(" \t", a);
      if (a == std::string::npos) continue;
      if (type == "t" || type == "T") s->insert(name.substr(a, e == std::string::npos ? e : e - a));
    }
    return s;
  }();
  return syms->count(fn) > 0;
}

// kprobes exist when the kernel has the perf "kprobe" PMU (what libbpf attaches through) or the
// legacy tracefs interface; neither exists without CONFIG_KPROBES.
bool KprobesAvailable() {
  return access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0 ||
         access("/sys/kernel/tracing/kprobe_events", F_OK) == 0 ||
         access("/sys/kernel/debug/tracing/kprobe_events", F_OK) == 0;
}

Napi::Value Kprobe(const Napi::CallbackInfo& info) {
  std::string fn = GetString(info, 0, "function");
  return Napi::Boolean::New(info.Env(), KprobesAvailable() && KallsymsHas(fn));
}

// fentry works when a trampoline can be attached: load a minimal fentry program on `fn` and
// attach it (some kernels refuse either step with EPERM, others have no trampolines at all).
// Answered once per function per process; nothing stays loaded.
Napi::Value Fentry(const Napi::CallbackInfo& info) {
  std::string fn = GetString(info, 0, "function");
  static std::mutex mu;
  static std::map<std::string, bool> memo;
  std::lock_guard<std::mutex> lock(mu);
  auto hit = memo.find(fn);
  if (hit != memo.end()) return Napi::Boolean::New(info.Env(), hit->second);
  bool ok = false;
  const btf* b = Vmlinux();
  int id = b ? btf__find_by_name_kind(b, fn.c_str(), BTF_KIND_FUNC) : -1;
  if (id > 0) {
    struct bpf_insn insns[2] = {};
    insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
    insns[0].dst_reg = BPF_REG_0;
    insns[1].code = BPF_JMP | BPF_EXIT;
    LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY,
                .attach_btf_id = static_cast<__u32>(id));
    int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, nullptr, "GPL", insns, 2, &opts);
    if (fd >= 0) {
      int link = bpf_link_create(fd, 0, BPF_TRACE_FENTRY, nullptr);
      if (link < 0) link = bpf_raw_tracepoint_open(nullptr, fd);
      if (link >= 0) {
        ok = true;
        close(link);
      }
      close(fd);
    }
  }
  memo[fn] = ok;
  return Napi::Boolean::New(info.Env(), ok);
}

Napi::Value Tracepoint(const Napi::CallbackInfo& info) {
  std::string cat = GetString(info, 0, "category");
  std::string ev = GetString(info, 1, "event");
  bool found = false;
  if (SafeName(cat) && SafeName(ev)) {
    for (const char* root : {"/sys/kernel/tracing/events/", "/sys/kernel/debug/tracing/events/"}) {
      std::string p = root + cat + "/" + ev;
      if (access(p.c_str(), F_OK) == 0) found = true;
    }
  }
  return Napi::Boolean::New(info.Env(), found);
}

// libbpf 1.1 loads tracing programs without an attach target, which the kernel always rejects,
// so libbpf_probe_bpf_prog_type(TRACING) says 0. Probe what tp_btf needs instead: a tracing
// program with a raw-tracepoint BTF target loads.
bool ProbeTracing() {
  const btf* b = Vmlinux();
  if (!b) return false;
  int id = -1;
  for (const char* tp : {"btf_trace_sys_enter", "btf_trace_sched_switch"}) {
    id = btf__find_by_name_kind(b, tp, BTF_KIND_TYPEDEF);
    if (id > 0) break;
  }
  if (id <= 0) return false;
  struct bpf_insn insns[2] = {};
  insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;  // r0 = 0
  insns[0].dst_reg = BPF_REG_0;
  insns[1].code = BPF_JMP | BPF_EXIT;
  LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP,
              .attach_btf_id = static_cast<__u32>(id));
  int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, nullptr, "GPL", insns, 2, &opts);
  if (fd < 0) return false;
  close(fd);
  return true;
}

Napi::Value ProgType(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = GetString(info, 0, "type");
  // section-style aliases for the common names
  if (name == "tp_btf" || name == "fentry" || name == "fexit" || name == "iter") name = "tracing";
  else if (name == "tp") name = "tracepoint";
  else if (name == "raw_tp") name = "raw_tracepoint";
  for (int t = 0; t < 256; t++) {
    const char* s = libbpf_bpf_prog_type_str(static_cast<bpf_prog_type>(t));
    if (!s) break;
    if (name == s && t == BPF_PROG_TYPE_TRACING) return Napi::Boolean::New(env, ProbeTracing());
    if (name == s)
      return Napi::Boolean::New(env, libbpf_probe_bpf_prog_type(static_cast<bpf_prog_type>(t), nullptr) == 1);
  }
  throw Napi::TypeError::New(env, "unknown program type '" + name + "' (libbpf names: tracing, tracepoint, raw_tracepoint, kprobe, ...)");
}

Napi::Value EnumValues(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = GetString(info, 0, "name");
  Napi::Array arr = Napi::Array::New(env);
  const btf* b = Vmlinux();
  if (!b) return arr;
  int id = btf__find_by_name_kind(b, name.c_str(), BTF_KIND_ENUM);
  if (id <= 0) id = btf__find_by_name_kind(b, name.c_str(), BTF_KIND_ENUM64);
  if (id <= 0) return arr;
  const btf_type* t = btf__type_by_id(b, id);
  bool isSigned = btf_kflag(t);
  uint16_t n = btf_vlen(t);
  for (uint16_t i = 0; i < n; i++) {
    Napi::Object o = Napi::Object::New(env);
    double value;
    const char* ename;
    if (btf_is_enum(t)) {
      const struct btf_enum* e = btf_enum(t) + i;
      ename = btf__name_by_offset(b, e->name_off);
      value = isSigned ? double(int32_t(e->val)) : double(uint32_t(e->val));
    } else {
      const struct btf_enum64* e = btf_enum64(t) + i;
      ename = btf__name_by_offset(b, e->name_off);
      uint64_t v = btf_enum64_value(e);
      value = isSigned ? double(int64_t(v)) : double(v);
    }
    o.Set("name", ename ? ename : "");
    o.Set("value", value);
    arr.Set(i, o);
  }
  return arr;
}

}  // namespace

Napi::Object Features(Napi::Env env) {
  Napi::Object f = Napi::Object::New(env);
  f.Set("btf", Napi::Function::New<Btf>(env, "btf"));
  f.Set("btfType", Napi::Function::New<BtfType>(env, "btfType"));
  f.Set("tpBtf", Napi::Function::New<TpBtf>(env, "tpBtf"));
  f.Set("tracepoint", Napi::Function::New<Tracepoint>(env, "tracepoint"));
  f.Set("progType", Napi::Function::New<ProgType>(env, "progType"));
  f.Set("enumValues", Napi::Function::New<EnumValues>(env, "enumValues"));
  f.Set("tpBtfArgs", Napi::Function::New<TpBtfArgs>(env, "tpBtfArgs"));
  f.Set("btfField", Napi::Function::New<BtfField>(env, "btfField"));
  f.Set("kprobe", Napi::Function::New<Kprobe>(env, "kprobe"));
  f.Set("fentry", Napi::Function::New<Fentry>(env, "fentry"));
  return f;
}

}  // namespace sonde
