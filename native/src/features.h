#pragma once

#include <napi.h>

namespace sonde {

// The `features` export: btf, btfType, tpBtf, tpBtfArgs, btfField, tracepoint, kprobe, fentry,
// progType, enumValues.
Napi::Object Features(Napi::Env env);

}  // namespace sonde
