#pragma once

#include <napi.h>

namespace sonde {

// The `features` export: btf, btfType, tpBtf, tracepoint, progType, enumValues.
Napi::Object Features(Napi::Env env);

}  // namespace sonde
