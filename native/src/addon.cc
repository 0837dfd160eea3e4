// Module entry: per-environment state, exports, and the cleanup hook that closes every object an
// environment still holds when it is torn down (worker.terminate(), process exit).
#include <bpf/libbpf.h>

#include <string>
#include <vector>

#include "env.h"
#include "errors.h"
#include "features.h"
#include "object.h"
#include "ringbuf.h"

namespace sonde {

namespace {

void CloseAll(void* arg) {
  auto* reg = static_cast<std::shared_ptr<Registry>*>(arg);
  // CloseNative() erases from the set: work on a copy
  std::vector<BpfObject*> objs((*reg)->open.begin(), (*reg)->open.end());
  for (BpfObject* o : objs) o->CloseNative();
  delete reg;
}

Napi::Value OpenObjectCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(GetEnvData(info.Env())->registry->open.size()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InstallLibbpfPrint();
  auto* data = new EnvData();
  env.SetInstanceData<EnvData>(data);

  Napi::Function obj = BpfObject::Init(env);
  data->objectCtor = Napi::Persistent(obj);
  Napi::Function ring = RingBuffer::Init(env);
  data->ringCtor = Napi::Persistent(ring);

  exports.Set("BpfObject", obj);
  exports.Set("RingBuffer", ring);
  exports.Set("features", Features(env));
  exports.Set("openObjectCount", Napi::Function::New<OpenObjectCount>(env, "openObjectCount"));
  exports.Set("libbpfVersion",
              std::to_string(libbpf_major_version()) + "." + std::to_string(libbpf_minor_version()));

  napi_status st = napi_add_env_cleanup_hook(env, CloseAll, new std::shared_ptr<Registry>(data->registry));
  if (st != napi_ok) throw Napi::Error::New(env, "napi_add_env_cleanup_hook failed");
  return exports;
}

}  // namespace

}  // namespace sonde

static Napi::Object InitSonde(Napi::Env env, Napi::Object exports) { return sonde::Init(env, exports); }

NODE_API_MODULE(sonde_native, InitSonde)
