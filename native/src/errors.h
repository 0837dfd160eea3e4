// BpfError: libbpf's negative errno turned into a JS Error with code/errno/stage/hint,
// plus the per-thread capture of libbpf's log that load errors quote.
#pragma once

#include <napi.h>

#include <string>

namespace sonde {

enum class Stage { Open, Load, Attach, Read, Run };

// err may be negative (libbpf style) or positive (errno). The hint is the default one for the
// errno and stage (EPERM -> privileges, ENOENT on open -> file not found).
Napi::Error BpfError(Napi::Env env, Stage stage, int err, const std::string& what);
// Same with an explicit hint; an empty hint means none.
Napi::Error BpfErrorHint(Napi::Env env, Stage stage, int err, const std::string& what,
                         const std::string& hint);

// /sys/kernel/tracing (or the debugfs copy) has an events/ directory.
bool TracefsMounted();

// Name of an errno value ('EPERM'); kernel-internal values (ENOTSUPP 524) included.
std::string ErrnoName(int err);

// libbpf_set_print hook: once per process, thread-safe.
void InstallLibbpfPrint();
// Forget what libbpf logged on this thread so far.
void ClearLibbpfLog();
// The last `max` bytes libbpf logged on this thread (whole lines).
std::string LibbpfLogTail(size_t max);

}  // namespace sonde
