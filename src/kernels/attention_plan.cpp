#include "kernels/attention_plan.h"

#include <map>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/attention_matmul.h"
#include "kernels/softmax_matmul.h"

namespace atl::kernels {

namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

bool has_exact_u8s8() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::avx2_vnni:
    case dnnl::cpu_isa::avx512_core_vnni:
    case dnnl::cpu_isa::avx512_core_bf16:
    case dnnl::cpu_isa::avx512_core_amx:
      return true;
    default:
      return false;
  }
}

// [tokens, heads*d] -> [heads, tokens, d]; `flip` adds 128 (int8 -> uint8 bit pattern).
template <class Out>
void split_heads(const std::int8_t* x, std::int64_t tokens, std::int64_t heads, std::int64_t d,
                 std::uint8_t flip, Out* out) {
  const std::int64_t hidden = heads * d;
  for (std::int64_t h = 0; h < heads; ++h) {
    for (std::int64_t t = 0; t < tokens; ++t) {
      const std::int8_t* src = x + t * hidden + h * d;
      Out* dst = out + (h * tokens + t) * d;
      for (std::int64_t i = 0; i < d; ++i) {
        dst[i] = static_cast<Out>(static_cast<std::uint8_t>(src[i]) ^ flip);
      }
    }
  }
}

}  // namespace

struct AttentionPlan::Impl {
  std::int64_t heads = 0, d = 0;
  bool onednn = false;
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};

  struct Entry {
    dnnl::matmul qk, pv;
  };
  mutable std::mutex mutex;
  mutable std::mutex run_mutex;  // one execution at a time, as LinearPlan (see linear.cpp)
  mutable std::map<std::int64_t, Entry> by_tokens;

  const Entry& entry(std::int64_t t) const {
    std::lock_guard lock(mutex);
    if (auto it = by_tokens.find(t); it != by_tokens.end()) return it->second;
    const dnnl::memory::desc q_md({heads, t, d}, dt::u8, tag::abc);
    const dnnl::memory::desc k_md({heads, d, t}, dt::s8, tag::acb);  // K as stored, transposed
    const dnnl::memory::desc s_md({heads, t, t}, dt::s32, tag::abc);
    const dnnl::memory::desc p_md({heads, t, t}, dt::u8, tag::abc);
    const dnnl::memory::desc v_md({heads, t, d}, dt::s8, tag::abc);
    const dnnl::memory::desc c_md({heads, t, d}, dt::s32, tag::abc);
    Entry e{dnnl::matmul({{q_md, k_md, s_md}, engine}), dnnl::matmul({{p_md, v_md, c_md}, engine})};
    return by_tokens.emplace(t, std::move(e)).first->second;
  }

  void check(const core::Tensor<std::int8_t>& x, const char* what) const {
    if (x.rank() != 2 || x.dim(1) != heads * d || x.dim(0) < 1) {
      throw core::Error(std::string("AttentionPlan: ") + what + " must be [tokens, " +
                        std::to_string(heads * d) + "], got " + core::to_string(x.shape()));
    }
  }
};

AttentionPlan::AttentionPlan(std::int64_t heads, std::int64_t head_dim)
    : impl_(std::make_unique<Impl>()) {
  if (heads < 1 || head_dim < 1) {
    throw core::Error("AttentionPlan: heads = " + std::to_string(heads) +
                      ", head_dim = " + std::to_string(head_dim) + "; both must be positive");
  }
  impl_->heads = heads;
  impl_->d = head_dim;
  impl_->onednn = has_exact_u8s8();
}

AttentionPlan::~AttentionPlan() = default;
AttentionPlan::AttentionPlan(AttentionPlan&&) noexcept = default;
AttentionPlan& AttentionPlan::operator=(AttentionPlan&&) noexcept = default;

std::int64_t AttentionPlan::heads() const {
  return impl_->heads;
}
std::int64_t AttentionPlan::head_dim() const {
  return impl_->d;
}
bool AttentionPlan::uses_onednn() const {
  return impl_->onednn;
}

core::Tensor<std::int32_t> AttentionPlan::scores(const core::Tensor<std::int8_t>& q,
                                                 const core::Tensor<std::int8_t>& k) const {
  const Impl& m = *impl_;
  m.check(q, "q");
  m.check(k, "k");
  if (k.dim(0) != q.dim(0)) {
    throw core::Error("AttentionPlan::scores: q has " + std::to_string(q.dim(0)) + " tokens, k " +
                      std::to_string(k.dim(0)));
  }
  const std::int64_t t = q.dim(0), heads = m.heads, d = m.d;
  core::Tensor<std::int32_t> s({heads, t, t});
  std::vector<std::int8_t> kh(static_cast<std::size_t>(heads * t * d));
  split_heads(k.data(), t, heads, d, 0, kh.data());
  if (!m.onednn) {
    std::vector<std::int8_t> qh(kh.size());
    split_heads(q.data(), t, heads, d, 0, qh.data());
    for (std::int64_t h = 0; h < heads; ++h) {
      const core::Tensor<std::int8_t> kt({t, d},
                                         {kh.begin() + h * t * d, kh.begin() + (h + 1) * t * d});
      for (std::int64_t i = 0; i < t; ++i) {
        attention_matmul_row({qh.data() + (h * t + i) * d, static_cast<std::size_t>(d)}, kt,
                             {s.data() + (h * t + i) * t, static_cast<std::size_t>(t)});
      }
    }
    return s;
  }
  std::vector<std::uint8_t> qh(kh.size());
  split_heads(q.data(), t, heads, d, 0x80, qh.data());
  const auto& e = m.entry(t);
  dnnl::memory qm({{heads, t, d}, dt::u8, tag::abc}, m.engine, qh.data());
  dnnl::memory km({{heads, d, t}, dt::s8, tag::acb}, m.engine, kh.data());
  dnnl::memory sm({{heads, t, t}, dt::s32, tag::abc}, m.engine, s.data());
  std::lock_guard lock(m.run_mutex);
  dnnl::stream stream(m.engine);
  e.qk.execute(stream, {{DNNL_ARG_SRC, qm}, {DNNL_ARG_WEIGHTS, km}, {DNNL_ARG_DST, sm}});
  stream.wait();
  // Remove the +128 shift of q: subtract 128 * sum_d k[j][d] from every column j.
  std::vector<std::int32_t> comp(static_cast<std::size_t>(t));
  for (std::int64_t h = 0; h < heads; ++h) {
    for (std::int64_t j = 0; j < t; ++j) {
      std::int32_t sum = 0;
      for (std::int64_t i = 0; i < d; ++i) sum += kh[static_cast<std::size_t>((h * t + j) * d + i)];
      comp[static_cast<std::size_t>(j)] = 128 * sum;
    }
    std::int32_t* sh = s.data() + h * t * t;
    for (std::int64_t i = 0; i < t; ++i) {
      for (std::int64_t j = 0; j < t; ++j) sh[i * t + j] -= comp[static_cast<std::size_t>(j)];
    }
  }
  return s;
}

core::Tensor<std::int32_t> AttentionPlan::context(const core::Tensor<std::uint8_t>& p,
                                                  const core::Tensor<std::int8_t>& v) const {
  const Impl& m = *impl_;
  m.check(v, "v");
  const std::int64_t t = v.dim(0), heads = m.heads, d = m.d;
  if (p.shape() != core::Shape{heads, t, t}) {
    throw core::Error("AttentionPlan::context: p must be [" + std::to_string(heads) + ", " +
                      std::to_string(t) + ", " + std::to_string(t) + "], got " +
                      core::to_string(p.shape()));
  }
  std::vector<std::int8_t> vh(static_cast<std::size_t>(heads * t * d));
  split_heads(v.data(), t, heads, d, 0, vh.data());
  std::vector<std::int32_t> ch(vh.size());
  if (m.onednn) {
    const auto& e = m.entry(t);
    dnnl::memory pm({{heads, t, t}, dt::u8, tag::abc}, m.engine,
                    const_cast<std::uint8_t*>(p.data()));
    dnnl::memory vm({{heads, t, d}, dt::s8, tag::abc}, m.engine, vh.data());
    dnnl::memory cm({{heads, t, d}, dt::s32, tag::abc}, m.engine, ch.data());
    std::lock_guard lock(m.run_mutex);
    dnnl::stream stream(m.engine);
    e.pv.execute(stream, {{DNNL_ARG_SRC, pm}, {DNNL_ARG_WEIGHTS, vm}, {DNNL_ARG_DST, cm}});
    stream.wait();
  } else {
    for (std::int64_t h = 0; h < heads; ++h) {
      const core::Tensor<std::int8_t> vt({t, d},
                                         {vh.begin() + h * t * d, vh.begin() + (h + 1) * t * d});
      for (std::int64_t i = 0; i < t; ++i) {
        softmax_matmul_row({p.data() + (h * t + i) * t, static_cast<std::size_t>(t)}, vt,
                           {ch.data() + (h * t + i) * d, static_cast<std::size_t>(d)});
      }
    }
  }
  core::Tensor<std::int32_t> out({t, heads * d});
  for (std::int64_t i = 0; i < t; ++i) {
    for (std::int64_t h = 0; h < heads; ++h) {
      const std::int32_t* src = ch.data() + (h * t + i) * d;
      std::copy(src, src + d, out.data() + i * heads * d + h * d);
    }
  }
  return out;
}

}  // namespace atl::kernels
