#include "errors.h"

#include <bpf/libbpf.h>
#include <string.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace sonde {

namespace {

const char* StageName(Stage s) {
  switch (s) {
    case Stage::Open: return "open";
    case Stage::Load: return "load";
    case Stage::Attach: return "attach";
    case Stage::Read: return "read";
    case Stage::Run: return "run";
  }
  return "run";
}

// libbpf logs on the thread that calls it; each JS thread (main, workers) gets its own tail.
constexpr size_t kLogKeep = 16 * 1024;
thread_local std::string tls_log;

bool DebugToStderr() {
  static const bool on = [] {
    const char* v = getenv("SONDE_LIBBPF_DEBUG");
    return v && *v && strcmp(v, "0") != 0;
  }();
  return on;
}

int PrintFn(enum libbpf_print_level level, const char* fmt, va_list args) {
  char line[4096];
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(line, sizeof line, fmt, copy);
  va_end(copy);
  if (n < 0) return 0;
  if (DebugToStderr()) fputs(line, stderr);
  if (level == LIBBPF_DEBUG) return n;
  tls_log.append(line, std::min<size_t>(n, sizeof line - 1));
  if (tls_log.size() > kLogKeep) tls_log.erase(0, tls_log.size() - kLogKeep);
  return n;
}

bool Exists(const char* path) { return access(path, F_OK) == 0; }

std::string DefaultHint(Stage stage, int err) {
  if (err == EPERM || err == EACCES) return "needs root or CAP_BPF+CAP_PERFMON";
  if (stage == Stage::Open && err == ENOENT) return "object file not found";
  return "";
}

}  // namespace

std::string ErrnoName(int err) {
  if (err < 0) err = -err;
  switch (err) {  // kernel-internal values userspace headers do not name
    case 512: return "ERESTARTSYS";
    case 524: return "ENOTSUPP";
    default: break;
  }
  const char* name = strerrorname_np(err);
  if (name) return name;
  return "E" + std::to_string(err);
}

Napi::Error BpfError(Napi::Env env, Stage stage, int err, const std::string& what) {
  int e = err < 0 ? -err : err;
  return BpfErrorHint(env, stage, err, what, DefaultHint(stage, e));
}

Napi::Error BpfErrorHint(Napi::Env env, Stage stage, int err, const std::string& what,
                         const std::string& hint) {
  if (err < 0) err = -err;
  if (err == 0) err = EINVAL;
  std::string code = ErrnoName(err);
  const char* desc = err == 524 ? "Operation not supported" : strerror(err);
  // "what\ndetail" (a log tail) reads better as "what: reason (CODE)\ndetail"
  size_t nl = what.find('\n');
  std::string msg = what.substr(0, nl) + ": " + desc + " (" + code + ")";
  if (nl != std::string::npos) msg += what.substr(nl);
  Napi::Error e = Napi::Error::New(env, msg);
  Napi::Object o = e.Value();
  o.Set("name", "BpfError");
  o.Set("code", code);
  o.Set("errno", err);
  o.Set("stage", StageName(stage));
  if (!hint.empty()) o.Set("hint", hint);
  return e;
}

void InstallLibbpfPrint() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(PrintFn); });
}

void ClearLibbpfLog() { tls_log.clear(); }

std::string LibbpfLogTail(size_t max) {
  if (tls_log.size() <= max) return tls_log;
  std::string tail = tls_log.substr(tls_log.size() - max);
  size_t nl = tail.find('\n');
  if (nl != std::string::npos && nl + 1 < tail.size()) tail.erase(0, nl + 1);
  return tail;
}

bool TracefsMounted() {
  return Exists("/sys/kernel/tracing/events") || Exists("/sys/kernel/debug/tracing/events");
}

}  // namespace sonde
