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

// libbpf prints a refused program's whole verifier log in one message, often megabytes: keep its
// head line (which names the program), a marker, and the log's last lines, where the reason is.
constexpr size_t kVerifierTailKeep = 6 * 1024;
constexpr const char kBeginLog[] = "-- BEGIN PROG LOAD LOG --";

std::string Condense(const std::string& msg) {
  size_t begin = msg.find(kBeginLog);
  if (begin == std::string::npos || msg.size() <= kVerifierTailKeep * 2) return msg;
  size_t head_end = msg.find('\n', begin);
  if (head_end == std::string::npos) return msg;
  size_t tail_start = msg.size() - kVerifierTailKeep;
  size_t nl = msg.find('\n', tail_start);
  if (nl != std::string::npos) tail_start = nl + 1;
  return msg.substr(0, head_end + 1) + "...\n" + msg.substr(tail_start);
}

int PrintFn(enum libbpf_print_level level, const char* fmt, va_list args) {
  char small[4096];
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(small, sizeof small, fmt, copy);
  va_end(copy);
  if (n < 0) return 0;
  std::string line;
  if (static_cast<size_t>(n) < sizeof small) {
    line.assign(small, n);
  } else {
    line.resize(static_cast<size_t>(n) + 1);
    va_copy(copy, args);
    vsnprintf(line.data(), line.size(), fmt, copy);
    va_end(copy);
    line.resize(n);
  }
  if (DebugToStderr()) fputs(line.c_str(), stderr);
  if (level == LIBBPF_DEBUG) return n;
  tls_log.append(Condense(line));
  if (tls_log.size() > kLogKeep) {
    // keep the verifier log's head line when trimming: it names the refused program
    size_t begin = tls_log.rfind(kBeginLog);
    size_t head_end = begin == std::string::npos ? std::string::npos : tls_log.find('\n', begin);
    size_t line_start = begin == std::string::npos ? 0 : tls_log.rfind('\n', begin);
    if (head_end != std::string::npos && head_end < kLogKeep / 2) {
      line_start = line_start == std::string::npos ? 0 : line_start + 1;
      std::string head = tls_log.substr(line_start, head_end + 1 - line_start);
      tls_log = head + "...\n" + tls_log.substr(tls_log.size() - (kLogKeep - head.size() - 4));
    } else {
      tls_log.erase(0, tls_log.size() - kLogKeep);
    }
  }
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
