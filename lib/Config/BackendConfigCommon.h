//===- BackendConfigCommon.h - Shared backend pattern configs ---*- C++ -*-===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//
//
// Private: qfx versions of 1.13's backend_config/_common_operator_config_utils
// helpers, producing pattern configs in the same order.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_LIB_CONFIG_BACKENDCONFIGCOMMON_H
#define QFX_LIB_CONFIG_BACKENDCONFIGCOMMON_H

#include "qfx/Config/BackendConfig.h"

namespace qfx::config {
namespace common {

using DTypeConfigs = std::vector<DTypeConfig>;
using Configs = std::vector<BackendPatternConfig>;

/// DTypeConfig(input, output, weight, bias, is_dynamic); nullopt = None.
DTypeConfig makeDTypeConfig(std::optional<DTypeWithConstraints> input,
                            std::optional<DTypeWithConstraints> output,
                            std::optional<DTypeWithConstraints> weight = {},
                            std::optional<DType> bias = {},
                            std::optional<bool> isDynamic = {});

/// The dtype configs shared by fbgemm, x86, native and qnnpack.
DTypeConfig weightedOpInt8();
DTypeConfig defaultOpQUInt8();
DTypeConfig defaultOpFp16();
DTypeConfig defaultDynamicInt8();
DTypeConfig defaultDynamicFloat16();
DTypeConfig inputOutputOnlyQUInt8();
DTypeConfig weightOnlyQUInt8();
DTypeConfig weightOnlyQUInt4x2();

/// A pattern config with the given dtype configs.
BackendPatternConfig makeConfig(Pattern pattern, const DTypeConfigs &dtypes);

/// Conv metadata of one spatial rank (1, 2 or 3).
struct ConvNames {
  std::string root, transpose, bn, reference, transposeReference, fusedConvReLU,
      fusedConvBn, fusedConvBnReLU, qat, reluQat, bnQat, bnReluQat, func;
};
ConvNames getConvNames(int rank);

/// `reverse_sequential_wrapper2(cls)`, `reverse2(f)`, `reverse3(f)`.
std::string reverseSequentialWrapper2(llvm::StringRef cls);
std::string reverse2(llvm::StringRef fn);
std::string reverse3(llvm::StringRef fn);

Configs getBinaryOpConfigs(const DTypeConfigs &dtypes);
Configs getLinearConfigs(const DTypeConfigs &dtypes);
Configs getConvConfigs(const DTypeConfigs &dtypes);
BackendPatternConfig getCatConfig(const DTypeConfigs &dtypes);
Configs getLnConfigs(const DTypeConfigs &dtypes);
Configs getDefaultOpConfigs(const DTypeConfigs &dtypes);
Configs getFixedQParamsOpConfigs(const DTypeConfigs &dtypes);
Configs getShareQParamsOpConfigs(const DTypeConfigs &dtypes);
Configs getBnConfigs(const DTypeConfigs &dtypes);
Configs getRnnOpConfigs(const DTypeConfigs &dtypes);
Configs getEmbeddingOpConfigs(const DTypeConfigs &dtypes);

} // namespace common
} // namespace qfx::config

#endif // QFX_LIB_CONFIG_BACKENDCONFIGCOMMON_H
