#include "codegen/csim.h"

#include <fmt/format.h>

#include <map>
#include <utility>

#include "codegen/cluster_view.h"
#include "codegen/ip.h"
#include "codegen/senders.h"
#include "core/error.h"

namespace atl::codegen {
namespace {

using plan::GalapagosAddress;
using plan::GalapagosKind;

// The parts of csim/main.cpp that do not depend on the plan (after the plan's tables).
constexpr const char* kMainBody = R"main(
const int kIps = static_cast<int>(sizeof kIp / sizeof kIp[0]);
const int kRoutes = static_cast<int>(sizeof kRoute / sizeof kRoute[0]);

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "csim: %s\n", what.c_str());
  std::fflush(stderr);
  std::_Exit(1);  // kernel threads may still be blocked: no destructors, no joins
}

std::string str(std::uint64_t v) {
  return std::to_string(v);
}
unsigned u(std::uint64_t v) {
  return static_cast<unsigned>(v);
}

// A packet as the host holds it: flits * 64 bytes, TKEEP of the last flit.
struct Packet {
  unsigned dest = 0, id = 0;
  std::uint64_t keep = ~std::uint64_t{0};
  std::vector<std::uint8_t> data;
  std::size_t flits() const { return data.size() / 64; }
  std::size_t payload() const {  // full flits plus the kept bytes of the last one
    return data.size() - 64 + static_cast<std::size_t>(__builtin_popcountll(keep));
  }
};

std::uint64_t last_keep(std::size_t bytes) {
  const std::size_t tail = bytes % 64;
  return tail == 0 ? ~std::uint64_t{0} : (std::uint64_t{1} << tail) - 1;
}

// Byte i of TDATA is bits [8i+7 : 8i].
std::vector<Beat> to_beats(const Packet& p) {
  std::vector<Beat> beats(p.flits());
  for (std::size_t f = 0; f < beats.size(); ++f) {
    Beat& b = beats[f];
    for (int w = 0; w < 8; ++w) {
      std::uint64_t v = 0;
      for (int i = 0; i < 8; ++i) v |= std::uint64_t{p.data[64 * f + 8 * w + i]} << (8 * i);
      b.data.range(64 * w + 63, 64 * w) = v;
    }
    const bool last = f + 1 == beats.size();
    b.keep = last ? p.keep : ~std::uint64_t{0};
    b.strb = b.keep;
    b.user = p.flits();
    b.last = last ? 1 : 0;
    b.id = p.id;
    b.dest = p.dest;
  }
  return beats;
}

// The beats of one packet (TLAST on the last) as a Packet; `where` names the stream in errors.
Packet from_beats(const std::vector<Beat>& beats, const std::string& where) {
  Packet p;
  p.dest = u(beats[0].dest.to_uint64());
  p.id = u(beats[0].id.to_uint64());
  const std::uint64_t user = beats[0].user.to_uint64();
  if (user != beats.size()) {
    fail(where + ": a packet from kernel " + str(p.id) + " to TDEST " + str(p.dest) +
         " has TUSER " + str(user) + " but " + str(beats.size()) + " flits");
  }
  for (std::size_t f = 0; f < beats.size(); ++f) {
    const Beat& b = beats[f];
    const std::uint64_t keep = b.keep.to_uint64();
    if (u(b.dest.to_uint64()) != p.dest || u(b.id.to_uint64()) != p.id ||
        b.user.to_uint64() != user) {
      fail(where + ": flit " + str(f) + " of a packet from kernel " + str(p.id) +
           " changes TDEST, TID or TUSER mid-packet");
    }
    if (f + 1 < beats.size() && keep != ~std::uint64_t{0}) {
      fail(where + ": flit " + str(f) + " of a packet from kernel " + str(p.id) +
           " is not the last but its TKEEP is not full");
    }
    for (int w = 0; w < 8; ++w) {
      const std::uint64_t v = static_cast<std::uint64_t>(b.data.range(64 * w + 63, 64 * w));
      for (int i = 0; i < 8; ++i) p.data.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    p.keep = keep;
  }
  if (p.keep == 0 || (p.keep & (p.keep + 1)) != 0) {
    fail(where + ": a packet from kernel " + str(p.id) + " ends with TKEEP " + str(p.keep) +
         ", not a run of low bytes");
  }
  return p;
}

// GMISkew (contract item 2, platform/gmi_skew.h): byte 0 = the virtual kernel's ID, the payload
// one byte up, one flit more, TKEEP unchanged.
Packet skew(const Packet& p, unsigned virtual_id, unsigned tdest) {
  Packet s;
  s.dest = tdest;
  s.id = p.id;
  s.keep = p.keep;
  s.data.assign(p.data.size() + 64, 0);
  s.data[0] = static_cast<std::uint8_t>(virtual_id);
  std::copy(p.data.begin(), p.data.end(), s.data.begin() + 1);
  return s;
}

Packet unskew(const Packet& p, const std::string& where) {
  if (p.flits() < 2) fail(where + ": a skewed packet of " + str(p.flits()) + " flit(s)");
  Packet out;
  out.dest = p.data[0];
  out.id = p.id;
  out.keep = p.keep;
  out.data.assign(p.data.begin() + 1, p.data.end() - 63);
  return out;
}

void put_u32(std::uint8_t* at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) at[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint32_t get_u32(const std::uint8_t* at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(at[i]) << (8 * i);
  return v;
}

// --- .npy (int8, C order, two dimensions) ---

struct Matrix {
  std::size_t rows = 0, cols = 0;  // cols: elements per row
  std::string dtype = "i1";        // "i1" (int8), "u1" (uint8) or "i4" (int32, little-endian)
  std::vector<std::uint8_t> data;  // rows * cols elements
  std::size_t row_bytes() const { return cols * (dtype == "i4" ? 4 : 1); }
};

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail(path + ": cannot open: " + std::strerror(errno));
  std::vector<std::uint8_t> bytes;
  std::uint8_t buf[1 << 16];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) {
    bytes.insert(bytes.end(), buf, buf + n);
  }
  const bool bad = std::ferror(f) != 0;
  std::fclose(f);
  if (bad) fail(path + ": read failed");
  return bytes;
}

// The text after 'key': in the header dict, up to the end of its value.
std::string dict_value(const std::string& dict, const std::string& key, const std::string& path) {
  const std::size_t k = dict.find("'" + key + "'");
  const std::size_t colon = k == std::string::npos ? k : dict.find(':', k);
  if (colon == std::string::npos) fail(path + ": npy header has no '" + key + "'");
  std::size_t start = dict.find_first_not_of(' ', colon + 1);
  if (start == std::string::npos) fail(path + ": npy header '" + key + "' has no value");
  const std::size_t end =
      dict[start] == '(' ? dict.find(')', start) + 1 : dict.find_first_of(",}", start);
  if (end == std::string::npos || end == 0) fail(path + ": npy header '" + key + "' is cut off");
  return dict.substr(start, end - start);
}

Matrix read_npy(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_file(path);
  static const std::uint8_t magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (bytes.size() < 10 || std::memcmp(bytes.data(), magic, 6) != 0) {
    fail(path + ": not an npy file");
  }
  const bool v1 = bytes[6] == 1;
  const std::size_t lenbytes = v1 ? 2 : 4;
  if (bytes.size() < 8 + lenbytes) fail(path + ": npy header is cut off");
  std::size_t len = 0;
  for (std::size_t i = 0; i < lenbytes; ++i) len |= std::size_t{bytes[8 + i]} << (8 * i);
  const std::size_t start = 8 + lenbytes;
  if (len > (1u << 20) || bytes.size() < start + len) fail(path + ": npy header is cut off");
  const std::string dict(bytes.begin() + static_cast<long>(start),
                         bytes.begin() + static_cast<long>(start + len));
  const std::string descr = dict_value(dict, "descr", path);
  Matrix m;
  m.dtype = descr.size() == 5 ? descr.substr(2, 2) : "";
  const bool one_byte = m.dtype == "i1" || m.dtype == "u1";
  if (!(one_byte || (m.dtype == "i4" && (descr[1] == '<' || descr[1] == '=')))) {
    fail(path + ": dtype " + descr + ", expected int8, uint8 or little-endian int32");
  }
  if (dict_value(dict, "fortran_order", path) != "False") fail(path + ": not in C order");
  const std::string shape = dict_value(dict, "shape", path);
  char tail = 0;
  unsigned long long r = 0, c = 0;
  if (std::sscanf(shape.c_str(), "(%llu, %llu%c", &r, &c, &tail) != 3 || tail != ')') {
    fail(path + ": shape " + shape + ", expected two dimensions (tokens, hidden)");
  }
  m.rows = static_cast<std::size_t>(r);
  m.cols = static_cast<std::size_t>(c);
  if (m.cols != 0 && m.rows > (bytes.size() - start - len) / m.row_bytes()) {
    fail(path + ": shape " + shape + " needs more data than the file holds");
  }
  if (bytes.size() - start - len != m.rows * m.row_bytes()) {
    fail(path + ": " + str(bytes.size() - start - len) + " bytes of data, shape " + shape +
         " needs " + str(m.rows * m.row_bytes()));
  }
  m.data.assign(bytes.begin() + static_cast<long>(start + len), bytes.end());
  return m;
}

// As atoll's core::write_npy writes it: version 1.0, the dict padded with spaces so the data
// starts at a multiple of 64 bytes.
void write_npy(const std::string& path, const Matrix& m) {
  const std::string descr = m.dtype == "i4" ? "<i4" : "|" + m.dtype;
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" +
                     str(m.rows) + ", " + str(m.cols) + "), }";
  const std::size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  const std::uint8_t prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                                   static_cast<std::uint8_t>(dict.size() & 0xff),
                                   static_cast<std::uint8_t>(dict.size() >> 8)};
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) fail(path + ": cannot open for writing: " + std::strerror(errno));
  bool ok = std::fwrite(prefix, 1, sizeof prefix, f) == sizeof prefix &&
            std::fwrite(dict.data(), 1, dict.size(), f) == dict.size() &&
            std::fwrite(m.data.data(), 1, m.data.size(), f) == m.data.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok) fail(path + ": write failed");
}

// --- the host ---

// A message (platform/message.h: the header flit in the first packet, one row per packet) from
// TID `tid` to kernel `dest`, its first `valid` rows real tokens; skewed for kernel 0 when
// `skewed`.
std::vector<Beat> message_beats(const Matrix& x, std::size_t valid, unsigned tid, unsigned dest,
                                bool skewed) {
  std::vector<Beat> out;
  const std::size_t bytes = x.row_bytes();
  for (std::size_t r = 0; r < x.rows; ++r) {
    const std::size_t head = r == 0 ? 64 : 0;
    const std::size_t flits = (head / 64) + (bytes == 0 ? 1 : (bytes + 63) / 64);
    Packet p;
    p.dest = dest;
    p.id = tid;
    p.keep = last_keep(bytes);
    p.data.assign(flits * 64, 0);
    if (r == 0) {
      put_u32(&p.data[0], static_cast<std::uint32_t>(x.rows));
      put_u32(&p.data[4], static_cast<std::uint32_t>(x.cols));
      put_u32(&p.data[8], static_cast<std::uint32_t>(valid));
    }
    std::memcpy(&p.data[head], &x.data[r * bytes], bytes);
    const std::vector<Beat> beats = to_beats(skewed ? skew(p, dest, 0) : p);
    out.insert(out.end(), beats.begin(), beats.end());
  }
  return out;
}

// A message reassembled from its (unskewed) packets, as the software nodes' host does; its rows
// as uint8 bytes.
struct MessageOut {
  std::string where;
  bool started = false;
  std::uint32_t rows = 0, seen = 0;
  Matrix y;
  bool complete() const { return started && seen == rows; }

  void add(const Packet& p) {
    if (complete()) fail(where + ": a packet from kernel " + str(p.id) + " after the last row");
    std::size_t at = 0;
    if (!started) {
      if (p.flits() < 2) fail(where + ": the first packet holds no row after the header");
      rows = get_u32(&p.data[0]);
      const std::uint32_t valid = get_u32(&p.data[8]);
      if (rows < 1 || rows > kMaxRows || valid > rows) {
        fail(where + ": the header announces " + str(rows) + " rows (" + str(valid) +
             " valid); 1 to " + str(kMaxRows) + " expected");
      }
      started = true;
      at = 64;
      y.rows = rows;
      y.cols = p.payload() - 64;
      y.dtype = "u1";
    }
    if (p.payload() - at != y.cols) {
      fail(where + ": row " + str(seen) + " holds " + str(p.payload() - at) +
           " bytes, row 0 held " + str(y.cols));
    }
    y.data.insert(y.data.end(), p.data.begin() + static_cast<long>(at),
                  p.data.begin() + static_cast<long>(at + y.cols));
    ++seen;
  }
};

const Route* route_of(int from, unsigned tdest) {
  for (int r = 0; r < kRoutes; ++r) {
    if (kRoute[r].from == from && kRoute[r].tdest == tdest) return &kRoute[r];
  }
  return nullptr;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

double deadline_from_env() {
  const char* env = std::getenv("ATOLL_CSIM_DEADLINE_S");
  if (!env || !*env) return 60;
  char* end = nullptr;
  const double s = std::strtod(env, &end);
  if (*end != '\0' || !(s > 0) || s > 86400) {
    fail(std::string("ATOLL_CSIM_DEADLINE_S='") + env + "': expected seconds in (0, 86400]");
  }
  return s;
}

// The whole bundle on one sequence: INPUT.npy in, OUTPUT.npy out.
int run_bundle(const char* input, const char* output) {
  const double deadline_s = deadline_from_env();
  for (int a = 0; a < kRoutes; ++a) {
    for (int b = 0; b < a; ++b) {
      if (kRoute[a].from == kRoute[b].from && kRoute[a].tdest == kRoute[b].tdest) {
        fail(std::string(kIp[kRoute[a].from].name) + ": two routes for TDEST " +
             str(kRoute[a].tdest) + " (a local ID equals the host's TDEST)");
      }
    }
  }
  if (kInputIp < 0) fail("no kernel of this bundle takes input from the host");
  const Matrix x = read_npy(input);
  if (x.dtype != "i1" || x.cols != kHidden || x.rows < 1 || x.rows > kMaxRows) {
    fail(std::string(input) + ": expected int8 hidden states [tokens, " + str(kHidden) +
         "] with 1 <= tokens <= " + str(kMaxRows) + ", got " + x.dtype + " [" + str(x.rows) +
         ", " + str(x.cols) + "]");
  }
  std::vector<std::unique_ptr<BeatStream>> in, out;
  for (int i = 0; i < kIps; ++i) {
    in.emplace_back(new BeatStream((std::string(kIp[i].name) + ".in_r").c_str()));
    out.emplace_back(new BeatStream((std::string(kIp[i].name) + ".out_r").c_str()));
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (const Beat& b : message_beats(x, x.rows, 0, kInputVirtual, true)) in[kInputIp]->write(b);

  std::unique_ptr<std::atomic<bool>[]> done(new std::atomic<bool>[kIps]);
  std::vector<std::thread> threads;
  for (int i = 0; i < kIps; ++i) {
    done[i] = false;
    threads.emplace_back([&, i] {
      kIp[i].top(*in[i], *out[i]);  // one call: one sequence
      done[i] = true;
    });
  }

  // The gateways and the host: whole packets from every out_r to where their TDEST says.
  MessageOut host;
  host.where = "the host";
  std::vector<std::vector<Beat>> pending(kIps);
  auto progress = std::chrono::steady_clock::now();
  int idle_us = 0;
  for (;;) {
    int returned = 0;
    for (int i = 0; i < kIps; ++i) returned += done[i] ? 1 : 0;
    bool moved = false;
    for (int i = 0; i < kIps; ++i) {
      while (!out[i]->empty()) {
        pending[i].push_back(out[i]->read());
        moved = true;
        if (pending[i].back().last.to_uint64() == 0) continue;
        const std::string where = std::string(kIp[i].name) + ".out_r";
        Packet p = from_beats(pending[i], where);
        pending[i].clear();
        const Route* r = route_of(i, p.dest);
        if (!r) {
          fail(where + ": a packet to TDEST " + str(p.dest) + ", where " + kIp[i].name + " (" +
               kIp[i].what + ") sends nothing");
        }
        if (r->to < 0) {
          host.add(r->skewed ? unskew(p, host.where) : p);
          continue;
        }
        p.dest = r->dest;
        if (r->skew >= 0) p = skew(p, static_cast<unsigned>(r->skew), r->dest);
        for (const Beat& b : to_beats(p)) in[r->to]->write(b);
      }
    }
    if (host.complete() && returned == kIps) break;
    if (moved) {
      progress = std::chrono::steady_clock::now();
      idle_us = 0;
      continue;
    }
    if (returned == kIps) {
      fail("every kernel returned, but the host received " + str(host.seen) + " of " +
           (host.started ? str(host.rows) : std::string("?")) + " output rows");
    }
    if (seconds_since(progress) > deadline_s) {
      std::string running, unread;
      for (int i = 0; i < kIps; ++i) {
        if (!done[i]) {
          running += std::string(running.empty() ? "" : ", ") + kIp[i].name + " (" +
                     kIp[i].what + ")";
        }
        if (!in[i]->empty()) {
          unread += std::string(unread.empty() ? "" : ", ") + kIp[i].name + ".in_r";
        }
      }
      fail("no packet moved for " + str(static_cast<std::uint64_t>(deadline_s)) +
           " s (deadlock or a missing sender); still running: " + running +
           (unread.empty() ? std::string() : "; unread input on " + unread) + "; the host has " +
           str(host.seen) + " output rows");
    }
    idle_us = idle_us < 1000 ? idle_us + 50 : 1000;
    std::this_thread::sleep_for(std::chrono::microseconds(idle_us));
  }
  for (std::thread& t : threads) t.join();  // all have returned
  for (int i = 0; i < kIps; ++i) {
    if (!in[i]->empty()) {
      fail(std::string(kIp[i].name) + ".in_r: beats left that its kernel never read");
    }
    if (!pending[i].empty()) fail(std::string(kIp[i].name) + ".out_r: a packet without TLAST");
  }
  host.y.dtype = "i1";
  write_npy(output, host.y);
  std::printf("csim: %d kernels, %zu rows in, %zu rows out in %.1f ms -> %s\n", kIps, x.rows,
              host.y.rows, 1000 * seconds_since(t0), output);
  return 0;
}

// One kernel alone (atoll build --verify-golden): input i (its source i's message, .npy of
// int8, uint8 or int32 rows, the first `valid` of them real tokens) in, the message it sends its
// first dest out, as uint8 bytes.
int run_kernel(const std::string& name, std::size_t valid, const char* output, int inputs,
               char** input) {
  int ip = -1;
  for (int i = 0; i < kIps; ++i) {
    if (name == kIp[i].name) ip = i;
  }
  if (ip < 0) fail("--kernel " + name + ": no such IP in this bundle (names are c<C>.kern_<id>)");
  std::vector<unsigned> tids;
  for (const Source& s : kSource) {
    if (s.ip == ip) tids.push_back(s.tid);
  }
  if (static_cast<int>(tids.size()) != inputs) {
    fail(name + " has " + str(tids.size()) + " source(s), " + str(inputs) + " input(s) given");
  }
  const Route* first = nullptr;
  for (const Route& r : kRoute) {
    if (!first && r.from == ip) first = &r;
  }
  if (!first) fail(name + " sends nothing");
  BeatStream in((name + ".in_r").c_str()), out((name + ".out_r").c_str());
  for (int s = 0; s < inputs; ++s) {
    const Matrix x = read_npy(input[s]);
    if (valid > x.rows) fail(name + ": --valid-rows " + str(valid) + " of " + str(x.rows) + " rows");
    for (const Beat& b : message_beats(x, valid, tids[s], kIp[ip].id, false)) in.write(b);
  }
  kIp[ip].top(in, out);  // the streams are unbounded: one sequence in, one out
  MessageOut m;
  m.where = name + ".out_r";
  std::vector<Beat> beats;
  while (!out.empty()) {
    beats.push_back(out.read());
    if (beats.back().last.to_uint64() == 0) continue;
    const Packet p = from_beats(beats, m.where);
    beats.clear();
    if (p.dest == first->tdest) m.add(first->skewed ? unskew(p, m.where) : p);
  }
  if (!beats.empty() || !m.complete() || !in.empty()) {
    fail(m.where + ": the kernel returned with " + str(m.seen) + " of " + str(m.rows) +
         " rows sent to its first dest" + (in.empty() ? "" : ", input left unread"));
  }
  write_npy(output, m.y);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 6 && std::string(argv[1]) == "--kernel" && std::string(argv[3]) == "--valid-rows") {
    return run_kernel(argv[2], std::strtoul(argv[4], nullptr, 10), argv[5], argc - 6, argv + 6);
  }
  if (argc != 3) {
    std::fprintf(stderr,
                 "usage: %s INPUT.npy OUTPUT.npy\n"
                 "       %s --kernel c<C>.kern_<id> --valid-rows N OUTPUT.npy INPUT0.npy "
                 "[INPUT1.npy]\n",
                 argv[0], argv[0]);
    return 2;
  }
  return run_bundle(argv[1], argv[2]);
}
)main";

constexpr const char* kMainHead = R"(#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kernels/hls/beat.h"

using atl::kernels::hls::Beat;
using atl::kernels::hls::BeatStream;

)";

struct Route {
  int from = 0;  // IP index
  unsigned tdest = 0;
  int to = -1;  // IP index; -1: the host
  unsigned dest = 0;
  int skew = -1;        // >= 0: the gateway skews it, this ID in byte 0
  bool skewed = false;  // the sender skewed it (for the host or another cluster)
  std::string what;     // for the comment
};

// The symbol an IP gets in the C simulation.
std::string csim_name(int cluster, std::uint32_t id) {
  return fmt::format("c{}_{}", cluster, ip_name(id));
}

class CsimWriter {
 public:
  explicit CsimWriter(const plan::Plan& plan) : plan_(plan) {
    const auto& clusters = plan.galapagos.clusters;
    for (std::size_t c = 0; c < clusters.size(); ++c) {
      for (const plan::GalapagosKernel& k : clusters[c].kernels) {
        if (!has_ip(k)) continue;
        ip_index_[{static_cast<int>(c), k.id}] = static_cast<int>(ips_.size());
        ips_.push_back({static_cast<int>(c), &k});
      }
    }
    for (std::size_t i = 0; i < ips_.size(); ++i) add_routes(static_cast<int>(i));
    find_input();
  }

  // The clusters that hold IPs, in order.
  std::vector<int> ip_clusters() const {
    std::vector<int> out;
    for (const auto& ip : ips_)
      if (out.empty() || out.back() != ip.first) out.push_back(ip.first);
    return out;
  }

  // csim/cluster_<C>.cpp: every IP of cluster C in one translation unit. Compiled one by one,
  // each IP spent most of its time on the wrappers' header (loading it precompiled); one object
  // per cluster reads it once and keeps the clusters in parallel under make -j.
  std::string cluster_cpp(int cluster) const {
    std::string s = fmt::format(
        "// csim/cluster_{0}.cpp: written by atoll build, do not edit. Every IP of cluster {0} "
        "in one\n"
        "// translation unit (csim/Makefile), each top function named c{0}_kern_<id>.\n",
        cluster);
    for (const auto& [c, k] : ips_) {
      if (c != cluster) continue;
      s += fmt::format(
          "\n#define ATOLL_TOP {}\n#include \"../cluster_{}/{}/top.cpp\"\n#undef ATOLL_TOP\n",
          csim_name(c, k->id), c, ip_name(k->id));
    }
    return s;
  }

  std::string makefile() const {
    std::string objs, rules;
    for (int c : ip_clusters()) {
      objs += fmt::format(" \\\n  obj/cluster_{}.o", c);
      rules += fmt::format(
          "obj/cluster_{0}.o: cluster_{0}.cpp $(wildcard ../cluster_{0}/*/top.cpp "
          "../cluster_{0}/*/*.hpp) $(HEADERS)\n"
          "\t@mkdir -p obj\n"
          "\t$(CXX) $(FLAGS) -c cluster_{0}.cpp -o $@\n",
          c);
    }
    return fmt::format(
        "# csim/Makefile: written by atoll build, do not edit. The C simulation of this bundle\n"
        "# (docs/build.md, \"C simulation\"): `make` compiles every IP of the bundle with g++ and\n"
        "# runs them all on INPUT, writing the output message to OUTPUT as .npy. Paths are\n"
        "# relative to this folder. ATOLL_CSIM_DEADLINE_S (default 60) bounds every wait.\n"
        "CXXSTD ?= c++14\n"
        "OPT ?= -O2\n"
        "INPUT ?= ../input.npy\n"
        "OUTPUT ?= ../output.npy\n"
        "# Vitis HLS's include folder (e.g. /tools/Xilinx/Vitis_HLS/2023.1/include) to compile\n"
        "# against the real ap_int.h / hls_stream.h; empty: the shim in ../include/shim.\n"
        "VITIS_HLS_INCLUDE ?=\n"
        "ifeq ($(strip $(VITIS_HLS_INCLUDE)),)\n"
        "HLS_INCLUDE := -I../include/shim\n"
        "else\n"
        "HLS_INCLUDE := -I$(VITIS_HLS_INCLUDE)\n"
        "endif\n"
        "FLAGS = -std=$(CXXSTD) $(OPT) -Wall -Wextra -fno-exceptions -fno-rtti -pthread "
        "$(HLS_INCLUDE) -I../include\n"
        "HEADERS := $(wildcard ../include/*.h ../include/*/*.h ../include/*/*/*.h)\n"
        "OBJS :={}\n\n"
        ".PHONY: run build\n"
        "run: sim\n"
        "\t./sim $(INPUT) $(OUTPUT)\n\n"
        "build: sim\n\n"
        "sim: obj/main.o $(OBJS)\n"
        "\t$(CXX) -pthread -o $@ obj/main.o $(OBJS)\n\n"
        "obj/main.o: main.cpp $(HEADERS)\n"
        "\t@mkdir -p obj\n"
        "\t$(CXX) $(FLAGS) -c main.cpp -o $@\n\n"
        "{}",
        objs, rules);
  }

  std::string main_cpp() const {
    std::string s = fmt::format(
        "// csim/main.cpp: written by atoll build, do not edit. The C simulation of plan '{}': "
        "{} IPs\n"
        "// in {} Galapagos cluster(s), one thread each; this thread is every cluster's gateway "
        "and\n"
        "// the host (docs/build.md, \"C simulation\"). Usage: sim INPUT.npy OUTPUT.npy\n",
        plan_.graph.model, ips_.size(), plan_.galapagos.clusters.size());
    s += kMainHead;
    for (const auto& [c, k] : ips_) {
      s += fmt::format("void {}(BeatStream& in_r, BeatStream& out_r);\n", csim_name(c, k->id));
    }
    s += "\nnamespace {\n\n";
    s += "struct Ip {\n  const char* name;\n  unsigned id;\n  const char* what;\n"
         "  void (*top)(BeatStream&, BeatStream&);\n};\n";
    s += "const Ip kIp[] = {\n";
    std::string sources;
    for (std::size_t i = 0; i < ips_.size(); ++i) {
      const auto& [c, k] = ips_[i];
      s += fmt::format("    {{\"c{}.{}\", {}, \"{}\", &{}}},\n", c, ip_name(k->id), k->id,
                       describe(plan_, *k), csim_name(c, k->id));
      for (const GalapagosAddress& a : senders(plan_, c, *k)) {
        sources += fmt::format("    {{{}, {}}},  // c{}.{} <- {}\n", i,
                               a.cluster == GalapagosAddress::kHost ? 0 : a.id, c, ip_name(k->id),
                               a.cluster == GalapagosAddress::kHost
                                   ? std::string("the host")
                                   : fmt::format("cluster {} kernel {}", a.cluster, a.id));
      }
    }
    s += "};\n\n";
    s += "// The TIDs IP `ip` receives from, in the order of its input ports (codegen/senders.h).\n"
         "struct Source {\n  int ip;\n  unsigned tid;\n};\n"
         "const Source kSource[] = {\n" +
         sources + "};\n\n";
    s += "// A packet leaving IP `from` with TDEST `tdest` goes to IP `to` (-1: the host) with "
         "TDEST `dest`.\n"
         "struct Route {\n  int from;\n  unsigned tdest;\n  int to;\n  unsigned dest;\n"
         "  int skew;  // >= 0: skewed on the way (a virtual kernel of the sender's cluster)\n"
         "  bool skewed;  // skewed by the sender (for the host or another cluster)\n};\n"
         "const Route kRoute[] = {\n";
    for (const Route& r : routes_) {
      s += fmt::format("    {{{}, {}, {}, {}, {}, {}}},  // {}\n", r.from,
                       r.to < 0 ? std::string(kHostTdest) : std::to_string(r.tdest), r.to, r.dest,
                       r.skew, r.skewed, r.what);
    }
    s += "};\n\n";
    s += fmt::format(
        "// The host's input goes to virtual kernel {} of cluster {}, through its kernel 0 (-1: "
        "no\n"
        "// kernel takes input from the host).\n"
        "const int kInputIp = {};\n"
        "const unsigned kInputVirtual = {};\n"
        "const std::size_t kHidden = {};\n"
        "const std::uint32_t kMaxRows = {};  // the sequence length\n",
        input_.id, input_.cluster, input_.cluster < 0 ? -1 : ip_of({input_.cluster, 0}), input_.id,
        plan_.graph.hidden, plan_.graph.seq_len);
    return s + kMainBody;
  }

 private:
  // How a packet to the host is marked (contract item 2: kernels/hls/beat.h decides).
  static constexpr const char* kHostTdest = "atl::kernels::hls::kHostDest";
  static constexpr bool kHostSkewed = true;  // beat.h: host packets carry the skew byte

  int ip_of(GalapagosAddress a) const {
    auto it = ip_index_.find(a);
    if (it == ip_index_.end()) {
      throw core::Error(core::ErrorKind::internal,
                        fmt::format("csim: no IP for cluster {} kernel {}", a.cluster, a.id));
    }
    return it->second;
  }

  // The routes out of IP i: its dests; kernel 0's are its virtual kernels' dests.
  void add_routes(int i) {
    const auto [c, k] = ips_[static_cast<std::size_t>(i)];
    const auto& cluster = plan_.galapagos.clusters[static_cast<std::size_t>(c)];
    std::vector<const plan::GalapagosKernel*> senders{k};
    if (k->kind == GalapagosKind::gmi) {
      for (const plan::GalapagosKernel& v : cluster.kernels) {
        if (v.kind == GalapagosKind::virtual_kernel) senders.push_back(&v);
      }
    }
    for (const plan::GalapagosKernel* s : senders) {
      for (const GalapagosAddress& d : s->dests) {
        Route r;
        r.from = i;
        const std::string who =
            fmt::format("cluster {} kernel {} ({})", c, s->id, describe(plan_, *s));
        if (d.cluster == GalapagosAddress::kHost) {
          r.skewed = kHostSkewed;
          r.what = fmt::format("kernel {} -> the host", s->id);
        } else if (d.cluster == c) {
          const plan::GalapagosKernel& to = cluster.kernels.at(static_cast<std::size_t>(d.id));
          if (to.kind == GalapagosKind::gmi) {
            throw core::Error(core::ErrorKind::unsupported,
                              fmt::format("csim: {} sends to kernel 0 of its own cluster, the "
                                          "GMI node, which takes only packets for its virtual "
                                          "kernels",
                                          who));
          }
          r.tdest = d.id;
          if (has_ip(to)) {
            r.to = ip_of(d);
            r.dest = d.id;
          } else {  // a virtual kernel of its own cluster: through kernel 0, skewed
            r.to = ip_of({c, 0});
            r.skew = static_cast<int>(d.id);
          }
          r.what = fmt::format("kernel {} -> kernel {}", s->id, d.id);
        } else {
          if (d.cluster > 255) {
            throw core::Error(core::ErrorKind::unsupported,
                              fmt::format("csim: {} sends to cluster {}, beyond the 8-bit TDEST",
                                          who, d.cluster));
          }
          r.tdest = static_cast<unsigned>(d.cluster);
          r.to = ip_of({d.cluster, 0});
          r.dest = 0;
          r.skewed = true;
          r.what = fmt::format("kernel {} -> cluster {} kernel 0 (virtual kernel {})", s->id,
                               d.cluster, d.id);
        }
        add(r, who);
      }
    }
  }

  void add(const Route& r, const std::string& who) {
    for (const Route& o : routes_) {
      if (o.from != r.from || (o.to < 0) != (r.to < 0) || (r.to >= 0 && o.tdest != r.tdest)) {
        continue;
      }
      if (o.to == r.to && o.dest == r.dest && o.skew == r.skew) return;  // the same route again
      throw core::Error(core::ErrorKind::unsupported,
                        fmt::format("csim: {}: TDEST {} would mean both '{}' and '{}'", who,
                                    r.tdest, o.what, r.what));
    }
    routes_.push_back(r);
  }

  void find_input() {
    const auto& clusters = plan_.galapagos.clusters;
    for (std::size_t c = 0; c < clusters.size(); ++c) {
      for (const plan::GalapagosKernel& k : clusters[c].kernels) {
        for (const GalapagosAddress& s : k.sources) {
          if (s.cluster == GalapagosAddress::kHost) input_ = {static_cast<int>(c), k.id};
        }
      }
    }
  }

  const plan::Plan& plan_;
  std::vector<std::pair<int, const plan::GalapagosKernel*>> ips_;  // (cluster, kernel)
  std::map<GalapagosAddress, int> ip_index_;
  std::vector<Route> routes_;
  GalapagosAddress input_{GalapagosAddress::kHost, 0};
};

}  // namespace

std::vector<BundleFile> csim_files(const plan::Plan& plan) {
  const CsimWriter w(plan);
  std::vector<BundleFile> files = {{"csim/Makefile", w.makefile()},
                                   {"csim/main.cpp", w.main_cpp()}};
  for (int c : w.ip_clusters())
    files.push_back({fmt::format("csim/cluster_{}.cpp", c), w.cluster_cpp(c)});
  return files;
}

}  // namespace atl::codegen
