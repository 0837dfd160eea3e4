#include "object.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bytes.h"
#include "errors.h"
#include "ringbuf.h"

namespace sonde {

namespace {

// the whole kept log: a refused program's verifier log is already condensed to its head and tail
constexpr size_t kLogTail = 16 * 1024;

bool StartsWith(const char* s, const char* prefix) {
  return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

const char* ProgTypeName(bpf_program* p) {
  const char* s = libbpf_bpf_prog_type_str(bpf_program__type(p));
  return s ? s : "unknown";
}

std::string AttachHint(bpf_program* prog, int err) {
  bpf_prog_type type = bpf_program__type(prog);
  const char* sec = bpf_program__section_name(prog);
  if (err == ENOENT && type == BPF_PROG_TYPE_TRACEPOINT) {
    if (!TracefsMounted()) return "tracefs not mounted: mount -t tracefs nodev /sys/kernel/tracing";
    return "no such tracepoint on this kernel (see /sys/kernel/tracing/events)";
  }
  if ((err == EPERM || err == EACCES) && type == BPF_PROG_TYPE_TRACING &&
      (StartsWith(sec, "fentry") || StartsWith(sec, "fexit") || StartsWith(sec, "fmod_ret")))
    return "fentry/fexit attach is not permitted on this kernel: use a tp_btf variant";
  if (err == EPERM || err == EACCES) return "needs root or CAP_BPF+CAP_PERFMON";
  if (err == EOPNOTSUPP || err == ESRCH)
    return std::string("section '") + (sec ? sec : "") + "' cannot be auto-attached";
  return "";
}

bool HasAutoloadedFentry(bpf_object* obj) {
  bpf_program* p;
  bpf_object__for_each_program(p, obj) {
    const char* sec = bpf_program__section_name(p);
    if (bpf_program__autoload(p) &&
        (StartsWith(sec, "fentry") || StartsWith(sec, "fexit") || StartsWith(sec, "fmod_ret")))
      return true;
  }
  return false;
}

std::string LoadHint(bpf_object* obj, int err, const std::string& log) {
  bool verifier = log.find("BEGIN PROG LOAD LOG") != std::string::npos;
  if (verifier && (err == EACCES || err == EINVAL || err == E2BIG || err == ENOSPC))
    return "the verifier rejected a program: its log tail is in the message";
  // As root, EPERM is the kernel refusing the program kind (fentry on some kernels, lockdown).
  if (err == EPERM && geteuid() == 0 && HasAutoloadedFentry(obj))
    return "fentry/fexit programs are not permitted on this kernel: use a tp_btf variant";
  if (err == EPERM && geteuid() == 0)
    return "refused although running as root: kernel lockdown or an unsupported program kind";
  if (err == EPERM || err == EACCES) return "needs root or CAP_BPF+CAP_PERFMON";
  if (err == ESRCH || err == ENOENT)
    return "a hook or type the object names is missing from this kernel's BTF: check features.tpBtf/btfType";
  return "";
}

}  // namespace

Napi::Function BpfObject::Init(Napi::Env env) {
  return DefineClass(env, "BpfObject",
                     {
                         StaticMethod<&BpfObject::Open>("open"),
                         InstanceMethod<&BpfObject::Programs>("programs"),
                         InstanceMethod<&BpfObject::Maps>("maps"),
                         InstanceMethod<&BpfObject::Globals>("globals"),
                         InstanceMethod<&BpfObject::SetGlobal>("setGlobal"),
                         InstanceMethod<&BpfObject::SetMaxEntries>("setMaxEntries"),
                         InstanceMethod<&BpfObject::SetAutoload>("setAutoload"),
                         InstanceMethod<&BpfObject::Load>("load"),
                         InstanceMethod<&BpfObject::Attach>("attach"),
                         InstanceMethod<&BpfObject::LookupBatch>("lookupBatch"),
                         InstanceMethod<&BpfObject::Lookup>("lookup"),
                         InstanceMethod<&BpfObject::Update>("update"),
                         InstanceMethod<&BpfObject::Clear>("clear"),
                         InstanceMethod<&BpfObject::RingBufferOf>("ringBuffer"),
                         InstanceMethod<&BpfObject::RunIter>("runIter"),
                         InstanceMethod<&BpfObject::Stack>("stack"),
                         InstanceMethod<&BpfObject::ProgramIds>("programIds"),
                         InstanceMethod<&BpfObject::ProgramStats>("programStats"),
                         InstanceMethod<&BpfObject::EnableStats>("enableStats"),
                         InstanceMethod<&BpfObject::Close>("close"),
                         InstanceAccessor<&BpfObject::Closed>("closed"),
                     });
}

BpfObject::BpfObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BpfObject>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsExternal() || !info[1].IsString())
    throw Napi::TypeError::New(env, "use BpfObject.open(path)");
  obj_ = info[0].As<Napi::External<bpf_object>>().Data();
  path_ = info[1].As<Napi::String>().Utf8Value();
  registry_ = GetEnvData(env)->registry;
  registry_->open.insert(this);
}

BpfObject::~BpfObject() { CloseNative(); }

void BpfObject::CloseNative() {
  // Children first: links reference programs, ring buffers mmap maps.
  for (auto it = links_.rbegin(); it != links_.rend(); ++it) bpf_link__destroy(*it);
  links_.clear();
  for (auto& [name, ring] : rings_) ring->Free();
  rings_.clear();
  if (stats_fd_ >= 0) close(stats_fd_);
  stats_fd_ = -1;
  if (obj_) bpf_object__close(obj_);
  obj_ = nullptr;
  if (registry_) registry_->open.erase(this);
}

Napi::Value BpfObject::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = GetString(info, 0, "path");
  ClearLibbpfLog();
  bpf_object* obj = bpf_object__open_file(path.c_str(), nullptr);
  int err = obj ? 0 : -errno;
  if (!obj) {
    if (err == 0) err = -EINVAL;
    std::string what = "open '" + path + "'";
    if (-err != ENOENT) {
      std::string tail = LibbpfLogTail(1024);
      if (!tail.empty()) what += "\n" + tail;
    }
    throw BpfError(env, Stage::Open, err, what);
  }
  try {
    return GetEnvData(env)->objectCtor.New(
        {Napi::External<bpf_object>::New(env, obj), Napi::String::New(env, path)});
  } catch (...) {
    bpf_object__close(obj);
    throw;
  }
}

bpf_object* BpfObject::Obj(Napi::Env env, Stage stage) {
  if (!obj_) throw BpfErrorHint(env, stage, EBADF, "object '" + path_ + "' is closed", "");
  return obj_;
}

void BpfObject::RequireLoaded(Napi::Env env, Stage stage, bool loaded) {
  Obj(env, stage);
  if (loaded && !loaded_)
    throw BpfErrorHint(env, stage, EBADFD, "object '" + path_ + "' is not loaded", "call load() first");
  if (!loaded && loaded_)
    throw BpfErrorHint(env, stage, EALREADY, "object '" + path_ + "' is already loaded",
                       "globals, map sizes and autoload are set before load()");
}

bpf_map* BpfObject::Map(Napi::Env env, const std::string& name, Stage stage) {
  bpf_object* obj = Obj(env, stage);
  bpf_map* m = bpf_object__find_map_by_name(obj, name.c_str());
  if (!m && !name.empty() && name[0] == '.') {
    // internal maps are named "<objname prefix>.rodata": allow the section name alone
    bpf_map* it;
    bpf_object__for_each_map(it, obj) {
      const char* n = bpf_map__name(it);
      size_t l = strlen(n);
      if (bpf_map__is_internal(it) && l >= name.size() &&
          strcmp(n + l - name.size(), name.c_str()) == 0) {
        m = it;
        break;
      }
    }
  }
  if (!m) throw BpfErrorHint(env, stage, ENOENT, "no map '" + name + "' in '" + path_ + "'", "");
  return m;
}

bpf_map* BpfObject::LoadedMap(Napi::Env env, const std::string& name) {
  RequireLoaded(env, Stage::Read, true);
  return Map(env, name, Stage::Read);
}

bpf_program* BpfObject::Program(Napi::Env env, const std::string& name, Stage stage) {
  bpf_program* p = bpf_object__find_program_by_name(Obj(env, stage), name.c_str());
  if (!p) throw BpfErrorHint(env, stage, ENOENT, "no program '" + name + "' in '" + path_ + "'", "");
  return p;
}

Napi::Value BpfObject::Programs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bpf_object* obj = Obj(env, Stage::Open);
  Napi::Array arr = Napi::Array::New(env);
  bpf_program* p;
  uint32_t i = 0;
  bpf_object__for_each_program(p, obj) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", bpf_program__name(p));
    o.Set("section", bpf_program__section_name(p));
    o.Set("type", ProgTypeName(p));
    o.Set("autoload", bpf_program__autoload(p));
    arr.Set(i++, o);
  }
  return arr;
}

Napi::Value BpfObject::Maps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bpf_object* obj = Obj(env, Stage::Open);
  Napi::Array arr = Napi::Array::New(env);
  bpf_map* m;
  uint32_t i = 0;
  bpf_object__for_each_map(m, obj) {
    const char* type = libbpf_bpf_map_type_str(bpf_map__type(m));
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", bpf_map__name(m));
    o.Set("type", type ? type : "unknown");
    o.Set("keySize", bpf_map__key_size(m));
    o.Set("valueSize", bpf_map__value_size(m));
    o.Set("maxEntries", bpf_map__max_entries(m));
    arr.Set(i++, o);
  }
  return arr;
}

Napi::Value BpfObject::SetMaxEntries(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = GetString(info, 0, "map");
  if (info.Length() < 2 || !info[1].IsNumber())
    throw Napi::TypeError::New(env, "n must be a number");
  double n = info[1].As<Napi::Number>().DoubleValue();
  if (!(n >= 1) || n > 0xffffffffu || n != static_cast<double>(static_cast<uint32_t>(n)))
    throw Napi::RangeError::New(env, "n must be a positive 32-bit integer");
  RequireLoaded(env, Stage::Load, false);
  int err = bpf_map__set_max_entries(Map(env, name, Stage::Load), static_cast<uint32_t>(n));
  if (err) throw BpfError(env, Stage::Load, err, "setMaxEntries '" + name + "'");
  return env.Undefined();
}

Napi::Value BpfObject::SetAutoload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = GetString(info, 0, "program");
  if (info.Length() < 2 || !info[1].IsBoolean())
    throw Napi::TypeError::New(env, "on must be a boolean");
  RequireLoaded(env, Stage::Load, false);
  int err = bpf_program__set_autoload(Program(env, name, Stage::Load), info[1].As<Napi::Boolean>());
  if (err) throw BpfError(env, Stage::Load, err, "setAutoload '" + name + "'");
  return env.Undefined();
}

Napi::Value BpfObject::Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLoaded(env, Stage::Load, false);
  ClearLibbpfLog();
  int err = bpf_object__load(obj_);
  if (err) {
    std::string log = LibbpfLogTail(kLogTail);
    std::string what = "load '" + path_ + "'";
    if (!log.empty()) what += "\n--- libbpf log (tail) ---\n" + log;
    int e = err < 0 ? -err : err;
    std::string hint = LoadHint(obj_, e, log);
    Napi::Error x = hint.empty() ? BpfError(env, Stage::Load, err, what)
                                 : BpfErrorHint(env, Stage::Load, err, what, hint);
    // libbpf cannot load an object twice; close it so nothing it created stays in the kernel.
    CloseNative();
    throw x;
  }
  loaded_ = true;
  return env.Undefined();
}

int BpfObject::AttachOne(Napi::Env env, bpf_program* prog) {
  ClearLibbpfLog();
  bpf_link* link = bpf_program__attach(prog);
  long err = libbpf_get_error(link);
  if (!link || err) {
    int e = static_cast<int>(err ? -err : errno);
    if (e <= 0) e = EINVAL;
    std::string what = std::string("attach '") + bpf_program__name(prog) + "' (" +
                       bpf_program__section_name(prog) + ")";
    std::string tail = LibbpfLogTail(512);
    if (!tail.empty()) what += "\n" + tail;
    std::string hint = AttachHint(prog, e);
    throw BpfErrorHint(env, Stage::Attach, e, what, hint);
  }
  links_.push_back(link);
  return 1;
}

Napi::Value BpfObject::Attach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLoaded(env, Stage::Attach, true);
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    std::string name = GetString(info, 0, "program");
    bpf_program* prog = Program(env, name, Stage::Attach);
    if (!bpf_program__autoload(prog))
      throw BpfErrorHint(env, Stage::Attach, ENOENT, "program '" + name + "' was not loaded",
                         "setAutoload(name, true) before load()");
    return Napi::Number::New(env, AttachOne(env, prog));
  }
  // Every loaded program except iterators (run with runIter). All or nothing: a failure detaches
  // what this call attached.
  size_t before = links_.size();
  bpf_program* p;
  try {
    bpf_object__for_each_program(p, obj_) {
      if (!bpf_program__autoload(p)) continue;
      if (StartsWith(bpf_program__section_name(p), "iter")) continue;
      AttachOne(env, p);
    }
  } catch (...) {
    while (links_.size() > before) {
      bpf_link__destroy(links_.back());
      links_.pop_back();
    }
    throw;
  }
  return Napi::Number::New(env, static_cast<double>(links_.size() - before));
}

// Calls fn(program, info) for each loaded program whose info the kernel gives, in object order.
template <typename Fn>
static void ForEachLoadedProgram(bpf_object* obj, Fn fn) {
  bpf_program* p;
  bpf_object__for_each_program(p, obj) {
    int fd = bpf_program__fd(p);
    if (fd < 0) continue;
    bpf_prog_info pi;
    memset(&pi, 0, sizeof pi);
    uint32_t len = sizeof pi;
    if (bpf_obj_get_info_by_fd(fd, &pi, &len) == 0) fn(p, pi);
  }
}

Napi::Value BpfObject::ProgramIds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array arr = Napi::Array::New(env);
  if (!obj_ || !loaded_) return arr;
  uint32_t i = 0;
  ForEachLoadedProgram(obj_, [&](bpf_program*, const bpf_prog_info& pi) { arr.Set(i++, pi.id); });
  return arr;
}

// run_time_ns / run_cnt of each loaded program: the kernel counts them only while
// kernel.bpf_stats_enabled is 1 (or a BPF_ENABLE_STATS fd is held), else they stay 0.
// Numbers (not BigInt): 2^53 ns is over 104 days of CPU time.
Napi::Value BpfObject::ProgramStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array arr = Napi::Array::New(env);
  if (!obj_ || !loaded_) return arr;
  uint32_t i = 0;
  ForEachLoadedProgram(obj_, [&](bpf_program* p, const bpf_prog_info& pi) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("id", Napi::Number::New(env, pi.id));
    o.Set("name", Napi::String::New(env, bpf_program__name(p)));
    o.Set("runTimeNs", Napi::Number::New(env, static_cast<double>(pi.run_time_ns)));
    o.Set("runCount", Napi::Number::New(env, static_cast<double>(pi.run_cnt)));
    arr.Set(i++, o);
  });
  return arr;
}

// BPF_ENABLE_STATS(BPF_STATS_RUN_TIME): the kernel counts run time while the returned fd is open,
// refcounted with everyone else's, so nothing needs restoring: closing the object (or the process
// dying) puts the host back as it was. Idempotent.
Napi::Value BpfObject::EnableStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!obj_) throw BpfError(env, Stage::Run, -EBADF, "enableStats on a closed object");
  if (stats_fd_ >= 0) return Napi::Boolean::New(env, true);
  int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
  if (fd < 0) throw BpfError(env, Stage::Run, fd, "bpf_enable_stats(BPF_STATS_RUN_TIME)");
  stats_fd_ = fd;
  return Napi::Boolean::New(env, true);
}

Napi::Value BpfObject::Close(const Napi::CallbackInfo& info) {
  CloseNative();
  return info.Env().Undefined();
}

Napi::Value BpfObject::Closed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), obj_ == nullptr);
}

}  // namespace sonde
