// runIter: one pass of a BPF iterator (iter/tcp, iter/task, ...) read to EOF.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "bytes.h"
#include "errors.h"
#include "object.h"

namespace sonde {

namespace {

constexpr size_t kMaxIterOutput = 256u << 20;

struct IterGuard {
  bpf_link* link = nullptr;
  int fd = -1;
  ~IterGuard() {
    if (fd >= 0) close(fd);
    if (link) bpf_link__destroy(link);
  }
};

}  // namespace

Napi::Value BpfObject::RunIter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = GetString(info, 0, "program");
  RequireLoaded(env, Stage::Run, true);
  bpf_program* prog = Program(env, name, Stage::Run);
  if (bpf_program__fd(prog) < 0)
    throw BpfErrorHint(env, Stage::Run, ENOENT, "program '" + name + "' was not loaded",
                       "setAutoload(name, true) before load()");
  IterGuard g;
  g.link = bpf_program__attach_iter(prog, nullptr);
  if (!g.link) throw BpfError(env, Stage::Attach, errno, "attach iterator '" + name + "'");
  g.fd = bpf_iter_create(bpf_link__fd(g.link));
  if (g.fd < 0) throw BpfError(env, Stage::Run, errno, "create iterator '" + name + "'");
  std::vector<uint8_t> out;
  for (;;) {
    size_t at = out.size();
    out.resize(at + 65536);
    ssize_t n = read(g.fd, out.data() + at, 65536);
    if (n < 0) {
      out.resize(at);
      if (errno == EINTR) continue;
      throw BpfError(env, Stage::Run, errno, "read iterator '" + name + "'");
    }
    out.resize(at + n);
    if (n == 0) break;
    if (out.size() > kMaxIterOutput)
      throw BpfErrorHint(env, Stage::Run, E2BIG, "iterator '" + name + "' output over 256 MiB", "");
  }
  return Napi::Buffer<uint8_t>::Copy(env, out.data(), out.size());
}

}  // namespace sonde
