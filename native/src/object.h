// BpfObject: one libbpf bpf_object and everything made from it (links, ring buffers).
#pragma once

#include <napi.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "env.h"

struct bpf_object;
struct bpf_link;
struct bpf_map;
struct bpf_program;

namespace sonde {

struct RingState;
enum class Stage;

// A variable of a .rodata/.data/.bss data section, located through the object's BTF.
struct GlobalVar {
  std::string name;
  std::string section;
  uint32_t offset;
  uint32_t size;
  bpf_map* map;  // the internal map that holds the section
};
std::vector<GlobalVar> CollectGlobals(bpf_object* obj);

class BpfObject : public Napi::ObjectWrap<BpfObject> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit BpfObject(const Napi::CallbackInfo& info);
  ~BpfObject() override;

  // Releases every kernel object; idempotent. Safe from finalizers and env cleanup hooks (no JS).
  void CloseNative();

 private:
  static Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Programs(const Napi::CallbackInfo& info);
  Napi::Value Maps(const Napi::CallbackInfo& info);
  Napi::Value Globals(const Napi::CallbackInfo& info);
  Napi::Value SetGlobal(const Napi::CallbackInfo& info);
  Napi::Value SetMaxEntries(const Napi::CallbackInfo& info);
  Napi::Value SetAutoload(const Napi::CallbackInfo& info);
  Napi::Value Load(const Napi::CallbackInfo& info);
  Napi::Value Attach(const Napi::CallbackInfo& info);
  Napi::Value LookupBatch(const Napi::CallbackInfo& info);
  Napi::Value Lookup(const Napi::CallbackInfo& info);
  Napi::Value Update(const Napi::CallbackInfo& info);
  Napi::Value Clear(const Napi::CallbackInfo& info);
  Napi::Value RingBufferOf(const Napi::CallbackInfo& info);
  Napi::Value RunIter(const Napi::CallbackInfo& info);
  Napi::Value Stack(const Napi::CallbackInfo& info);
  Napi::Value ProgramIds(const Napi::CallbackInfo& info);
  Napi::Value ProgramStats(const Napi::CallbackInfo& info);
  Napi::Value EnableStats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Closed(const Napi::CallbackInfo& info);

  // Lookups that throw BpfError(ENOENT/EBADF) with the given stage.
  bpf_object* Obj(Napi::Env env, Stage stage);
  bpf_map* Map(Napi::Env env, const std::string& name, Stage stage);
  bpf_map* LoadedMap(Napi::Env env, const std::string& name);
  bpf_program* Program(Napi::Env env, const std::string& name, Stage stage);
  void RequireLoaded(Napi::Env env, Stage stage, bool loaded);
  int AttachOne(Napi::Env env, bpf_program* prog);

  bpf_object* obj_ = nullptr;
  std::string path_;
  bool loaded_ = false;
  // BPF_ENABLE_STATS fd: run-time stats are on host-wide while any such fd is open
  int stats_fd_ = -1;
  std::vector<bpf_link*> links_;
  std::map<std::string, std::shared_ptr<RingState>> rings_;
  std::shared_ptr<Registry> registry_;
};

}  // namespace sonde
