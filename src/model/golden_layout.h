// The golden data layout: <root>/encoder/<layer>/<sub-layer>/<kernel>/<file>.npy. Which folder of
// a layer holds which kernel, and which file of a kernel folder holds what, are written here once:
// the weight loader and writer (model/weights.cpp) and the golden checker (verify/golden.cpp) use
// these names and nothing else. docs/kernels.md describes every file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace atl::model::golden {

// The kernel of a kernel folder.
enum class KernelKind {
  linear,
  quant_act,
  residual_act,
  attention_matmul,
  softmax,
  softmax_matmul,
  concat,
  gelu,
  layernorm,
};

struct KernelFolder {
  const char* sub_layer;  // "self_attention", "self_output", "intermediate", "output"
  const char* kernel;     // the folder name, e.g. "linear_q"
  KernelKind kind;
};

// The kernel folders of one encoder layer, in data-flow order.
inline constexpr KernelFolder kLinearQ{"self_attention", "linear_q", KernelKind::linear};
inline constexpr KernelFolder kLinearK{"self_attention", "linear_k", KernelKind::linear};
inline constexpr KernelFolder kLinearV{"self_attention", "linear_v", KernelKind::linear};
inline constexpr KernelFolder kActQ{"self_attention", "act_q", KernelKind::quant_act};
inline constexpr KernelFolder kActK{"self_attention", "act_k", KernelKind::quant_act};
inline constexpr KernelFolder kActV{"self_attention", "act_v", KernelKind::quant_act};
inline constexpr KernelFolder kAttention{"self_attention", "attention_matmul",
                                         KernelKind::attention_matmul};
inline constexpr KernelFolder kSoftmax{"self_attention", "softmax", KernelKind::softmax};
inline constexpr KernelFolder kContext{"self_attention", "softmax_matmul",
                                       KernelKind::softmax_matmul};
inline constexpr KernelFolder kConcat{"self_attention", "concat", KernelKind::concat};
inline constexpr KernelFolder kActOut{"self_attention", "act_out", KernelKind::quant_act};
inline constexpr KernelFolder kOutProj{"self_output", "linear", KernelKind::linear};
inline constexpr KernelFolder kResAttn{"self_output", "act_linear", KernelKind::residual_act};
inline constexpr KernelFolder kLnAttn{"self_output", "layernorm", KernelKind::layernorm};
inline constexpr KernelFolder kActLnAttn{"self_output", "act_layernorm", KernelKind::quant_act};
inline constexpr KernelFolder kFfn1{"intermediate", "linear", KernelKind::linear};
inline constexpr KernelFolder kGelu{"intermediate", "gelu", KernelKind::gelu};
inline constexpr KernelFolder kActGelu{"intermediate", "act", KernelKind::quant_act};
inline constexpr KernelFolder kFfn2{"output", "linear", KernelKind::linear};
inline constexpr KernelFolder kResFfn{"output", "act_linear", KernelKind::residual_act};
inline constexpr KernelFolder kLnFfn{"output", "layernorm", KernelKind::layernorm};
inline constexpr KernelFolder kActLnFfn{"output", "act_layernorm", KernelKind::quant_act};

std::span<const KernelFolder> kernel_folders();

// The kernel of a kernel folder `name` in `sub_layer`; nullopt for a folder the layout lacks.
std::optional<KernelKind> kind_of(std::string_view sub_layer, std::string_view name);

// The file stems inside a kernel folder (each file is <stem>.npy).
namespace file {
// Parameters (what weights.cpp loads and writes).
inline constexpr const char* kWeight = "weight_integer";  // linear: int8 [out, in]
inline constexpr const char* kBias = "bias_integer";      // linear: int32 [out]
inline constexpr const char* kM = "m";                    // quant_act, residual main; softmax m
inline constexpr const char* kE = "e";                    // quant_act, residual main; softmax e
inline constexpr const char* kIdentityM = "m1";           // residual_act: the identity's m
inline constexpr const char* kIdentityE = "e1";           // residual_act: the identity's e
inline constexpr const char* kX0 = "x0";                  // softmax i-exp
inline constexpr const char* kB = "b";                    // softmax, gelu polynomial
inline constexpr const char* kC = "c";                    // softmax, gelu polynomial
inline constexpr const char* kConst = "const";            // softmax n, gelu k
inline constexpr const char* kShift = "shift";            // layernorm, gelu
inline constexpr const char* kLnBias = "bias";            // layernorm
// Data (what the golden checker feeds and compares).
inline constexpr const char* kInput = "input";
inline constexpr const char* kOutput = "output";
inline constexpr const char* kIdentity = "identity";  // residual_act: the int8 identity rows
inline constexpr const char* kOutput0 = "output0";    // residual_act main / quant_act copy
inline constexpr const char* kOutput1 = "output1";    // residual_act identity
inline constexpr const char* kSign = "sign";          // gelu
inline constexpr const char* kYInt = "y_int";         // layernorm
// Per head h: <prefix><h>.
inline constexpr const char* kHeadInput = "input_";          // concat parts; softmax float i-exp
inline constexpr const char* kHeadOutput = "output_";        // attention, softmax, context
inline constexpr const char* kHeadQ = "input_q_";            // attention
inline constexpr const char* kHeadK = "input_k_";            // attention
inline constexpr const char* kHeadScores = "soft_input_";    // softmax: masked scores
inline constexpr const char* kHeadProbs = "input_softmax_";  // context
inline constexpr const char* kHeadV = "input_v_";            // context
}  // namespace file

// Paths: <root>/encoder, <root>/encoder/<layer>, <layer dir>/<sub-layer>/<kernel>,
// <dir>/<stem>.npy.
std::filesystem::path encoder_dir(const std::filesystem::path& root);
std::filesystem::path layer_dir(const std::filesystem::path& root, std::int64_t layer);
std::filesystem::path kernel_dir(const std::filesystem::path& layer_dir, const KernelFolder& k);
std::filesystem::path npy(const std::filesystem::path& dir, std::string_view stem);
// <prefix><head>, e.g. head_file(file::kHeadOutput, 3) = "output_3".
std::string head_file(const char* prefix, int head);

}  // namespace atl::model::golden
