#include "model/golden_layout.h"

#include <array>

namespace atl::model::golden {
namespace {

constexpr std::array<KernelFolder, 22> kFolders{
    kLinearQ, kLinearK, kLinearV, kActQ,    kActK,    kActV,    kAttention, kSoftmax,
    kContext, kConcat,  kActOut,  kOutProj, kResAttn, kLnAttn,  kActLnAttn, kFfn1,
    kGelu,    kActGelu, kFfn2,    kResFfn,  kLnFfn,   kActLnFfn};

}  // namespace

std::span<const KernelFolder> kernel_folders() {
  return kFolders;
}

std::optional<KernelKind> kind_of(std::string_view sub_layer, std::string_view name) {
  for (const KernelFolder& k : kFolders) {
    if (k.sub_layer == sub_layer && k.kernel == name) return k.kind;
  }
  return std::nullopt;
}

std::filesystem::path encoder_dir(const std::filesystem::path& root) {
  return root / "encoder";
}

std::filesystem::path layer_dir(const std::filesystem::path& root, std::int64_t layer) {
  return encoder_dir(root) / std::to_string(layer);
}

std::filesystem::path kernel_dir(const std::filesystem::path& layer_dir, const KernelFolder& k) {
  return layer_dir / k.sub_layer / k.kernel;
}

std::filesystem::path npy(const std::filesystem::path& dir, std::string_view stem) {
  return dir / (std::string(stem) + ".npy");
}

std::string head_file(const char* prefix, int head) {
  return prefix + std::to_string(head);
}

}  // namespace atl::model::golden
