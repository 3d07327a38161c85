// A cuBLASLt algorithm as a short string, so that the builder's timed winner is stored in the
// plan and rebuilt exactly by create(): "id=21,tile=20,stages=8,splitk=1,red=0,swz=0,cust=0,
// inner=0,cluster=0". Parsing is strict (every key once, in this order, decimal values that
// fit the attribute's type); anything else is a corrupt plan and throws int8rt::Error.
// Plain host code: the round trip is unit-tested without a GPU.
#pragma once
#include <cstdint>
#include <string>

namespace int8rt::cuda {

struct LtAlgoConfig {
  int32_t algoId = 0;          // CUBLASLT_ALGO_CONFIG_ID
  uint32_t tile = 0;           // CUBLASLT_ALGO_CONFIG_TILE_ID
  uint32_t stages = 0;         // CUBLASLT_ALGO_CONFIG_STAGES_ID
  int32_t splitK = 1;          // CUBLASLT_ALGO_CONFIG_SPLITK_NUM (-1: the algorithm's choice)
  uint32_t reduction = 0;      // CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME
  uint32_t swizzle = 0;        // CUBLASLT_ALGO_CONFIG_CTA_SWIZZLING
  uint32_t customOption = 0;   // CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION
  uint16_t innerShape = 0;     // CUBLASLT_ALGO_CONFIG_INNER_SHAPE_ID
  uint16_t clusterShape = 0;   // CUBLASLT_ALGO_CONFIG_CLUSTER_SHAPE_ID
};

bool operator==(const LtAlgoConfig& a, const LtAlgoConfig& b);
std::string formatLtAlgoConfig(const LtAlgoConfig& c);
LtAlgoConfig parseLtAlgoConfig(const std::string& text);  // throws int8rt::Error

}  // namespace int8rt::cuda
