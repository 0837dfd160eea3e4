// Per-environment addon state. Each JS environment (main thread, each worker thread) gets its own
// EnvData through Napi instance data; nothing mutable is shared between environments.
#pragma once

#include <napi.h>

#include <memory>
#include <set>

namespace sonde {

class BpfObject;

// The BpfObjects of one environment that are still open. Shared (not owned) by the objects and the
// environment cleanup hook, so whichever is torn down last frees it.
struct Registry {
  std::set<BpfObject*> open;
};

struct EnvData {
  Napi::FunctionReference objectCtor;
  Napi::FunctionReference ringCtor;
  std::shared_ptr<Registry> registry = std::make_shared<Registry>();
};

inline EnvData* GetEnvData(Napi::Env env) { return env.GetInstanceData<EnvData>(); }

}  // namespace sonde
