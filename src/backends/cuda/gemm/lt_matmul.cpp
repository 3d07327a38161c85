#include "backends/cuda/gemm/lt_matmul.h"

#include <map>
#include <mutex>

#include "backends/cuda/cuda_check.h"
#include "core/error.h"

namespace int8rt::cuda {

void checkLt(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) fail(what, ": ", cublasLtGetStatusName(s), " (", cublasLtGetStatusString(s), ")");
}

cublasLtHandle_t ltHandle() {
  // One handle per device for the whole process (never destroyed: it may be used until exit).
  static std::mutex mutex;
  static std::map<int, cublasLtHandle_t> handles;
  int device = 0;
  checkCuda(cudaGetDevice(&device), "cudaGetDevice for the cuBLASLt handle");
  std::lock_guard<std::mutex> lock(mutex);
  auto it = handles.find(device);
  if (it != handles.end()) return it->second;
  cublasLtHandle_t h = nullptr;
  checkLt(cublasLtCreate(&h), "cublasLtCreate");
  handles.emplace(device, h);
  return h;
}

namespace {

// The descriptors of a problem, built in place (no allocation).
struct LtDescs {
  cublasLtMatmulDescOpaque_t op;
  cublasLtMatrixLayoutOpaque_t a, b, d;

  LtDescs(const LtProblem& p, const void* bias) {
    checkLt(cublasLtMatmulDescInit(&op, p.compute, p.scaleType), "cublasLtMatmulDescInit");
    setOp(CUBLASLT_MATMUL_DESC_TRANSA, &p.opA, sizeof(p.opA));
    setOp(CUBLASLT_MATMUL_DESC_TRANSB, &p.opB, sizeof(p.opB));
    setOp(CUBLASLT_MATMUL_DESC_EPILOGUE, &p.epilogue, sizeof(p.epilogue));
    if (p.epilogue == CUBLASLT_EPILOGUE_BIAS || p.epilogue == CUBLASLT_EPILOGUE_RELU_BIAS) {
      setOp(CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &p.biasType, sizeof(p.biasType));
      setOp(CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias));
    }
    const bool ta = p.opA != CUBLAS_OP_N, tb = p.opB != CUBLAS_OP_N;
    layout(&a, p.abType, ta ? p.k : p.m, ta ? p.m : p.k, p.lda, p.batch, p.strideA);
    layout(&b, p.abType, tb ? p.n : p.k, tb ? p.k : p.n, p.ldb, p.batch, p.strideB);
    layout(&d, p.dType, p.m, p.n, p.ldd, p.batch, p.strideD);
  }
  void setOp(cublasLtMatmulDescAttributes_t attr, const void* v, size_t bytes) {
    checkLt(cublasLtMatmulDescSetAttribute(&op, attr, v, bytes), "cublasLtMatmulDescSetAttribute");
  }
  static void layout(cublasLtMatrixLayoutOpaque_t* l, cudaDataType_t t, uint64_t rows,
                     uint64_t cols, int64_t ld, int32_t batch, int64_t stride) {
    checkLt(cublasLtMatrixLayoutInit(l, t, rows, cols, ld), "cublasLtMatrixLayoutInit");
    if (batch > 1) {
      checkLt(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &batch,
                                               sizeof(batch)),
              "cublasLtMatrixLayoutSetAttribute(batch count)");
      checkLt(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                                               &stride, sizeof(stride)),
              "cublasLtMatrixLayoutSetAttribute(batch stride)");
    }
  }
};

template <class T>
T getConfig(const cublasLtMatmulAlgo_t& algo, cublasLtMatmulAlgoConfigAttributes_t attr) {
  T v{};
  size_t written = 0;
  checkLt(cublasLtMatmulAlgoConfigGetAttribute(&algo, attr, &v, sizeof(v), &written),
          "cublasLtMatmulAlgoConfigGetAttribute");
  return v;
}

template <class T>
void setConfig(cublasLtMatmulAlgo_t& algo, cublasLtMatmulAlgoConfigAttributes_t attr, T v,
               const std::string& config) {
  if (cublasLtMatmulAlgoConfigSetAttribute(&algo, attr, &v, sizeof(v)) != CUBLAS_STATUS_SUCCESS)
    fail("cuBLASLt algorithm config '", config, "': attribute ", static_cast<int>(attr),
         " = ", static_cast<int64_t>(v), " rejected");
}

LtAlgoConfig configOf(const cublasLtMatmulAlgo_t& algo) {
  LtAlgoConfig c;
  c.algoId = getConfig<int32_t>(algo, CUBLASLT_ALGO_CONFIG_ID);
  c.tile = getConfig<uint32_t>(algo, CUBLASLT_ALGO_CONFIG_TILE_ID);
  c.stages = getConfig<uint32_t>(algo, CUBLASLT_ALGO_CONFIG_STAGES_ID);
  c.splitK = getConfig<int32_t>(algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM);
  c.reduction = getConfig<uint32_t>(algo, CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME);
  c.swizzle = getConfig<uint32_t>(algo, CUBLASLT_ALGO_CONFIG_CTA_SWIZZLING);
  c.customOption = getConfig<uint32_t>(algo, CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION);
  c.innerShape = getConfig<uint16_t>(algo, CUBLASLT_ALGO_CONFIG_INNER_SHAPE_ID);
  c.clusterShape = getConfig<uint16_t>(algo, CUBLASLT_ALGO_CONFIG_CLUSTER_SHAPE_ID);
  return c;
}

std::vector<cublasLtMatmulHeuristicResult_t> heuristic(const LtProblem& p, size_t workspaceLimit,
                                                       int maxCount) {
  LtDescs d(p, nullptr);
  cublasLtMatmulPreferenceOpaque_t pref;
  checkLt(cublasLtMatmulPreferenceInit(&pref), "cublasLtMatmulPreferenceInit");
  uint64_t ws = workspaceLimit;
  checkLt(cublasLtMatmulPreferenceSetAttribute(&pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                               &ws, sizeof(ws)),
          "cublasLtMatmulPreferenceSetAttribute(workspace)");
  // Engine tensors are only promised 16-byte alignment (arena offsets, sub-batch views), not
  // the 256 bytes the heuristic assumes by default: ask only for algorithms that accept it.
  const uint32_t align = 16;
  for (auto attr : {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
                    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES})
    checkLt(cublasLtMatmulPreferenceSetAttribute(&pref, attr, &align, sizeof(align)),
            "cublasLtMatmulPreferenceSetAttribute(alignment)");
  std::vector<cublasLtMatmulHeuristicResult_t> results(static_cast<size_t>(maxCount));
  int found = 0;
  const cublasStatus_t s =
      cublasLtMatmulAlgoGetHeuristic(ltHandle(), &d.op, &d.a, &d.b, &d.d, &d.d, &pref, maxCount,
                                     results.data(), &found);
  if (s == CUBLAS_STATUS_NOT_SUPPORTED) found = 0;  // no algorithm for this problem: none
  else checkLt(s, "cublasLtMatmulAlgoGetHeuristic");
  results.resize(static_cast<size_t>(found));
  std::vector<cublasLtMatmulHeuristicResult_t> ok;
  for (const auto& r : results)
    if (r.state == CUBLAS_STATUS_SUCCESS) ok.push_back(r);
  return ok;
}

}  // namespace

std::vector<std::string> ltHeuristicConfigs(const LtProblem& p, size_t workspaceLimit,
                                            int maxCount) {
  std::vector<std::string> out;
  for (const auto& r : heuristic(p, workspaceLimit, maxCount)) {
    std::string s = formatLtAlgoConfig(configOf(r.algo));
    bool dup = false;
    for (const std::string& o : out) dup |= o == s;
    if (!dup) out.push_back(std::move(s));
  }
  return out;
}

cublasLtMatmulAlgo_t ltAlgoFromConfig(const LtProblem& p, const std::string& config,
                                      size_t* workspaceNeeded) {
  const LtAlgoConfig c = parseLtAlgoConfig(config);
  cublasLtMatmulAlgo_t algo;
  if (cublasLtMatmulAlgoInit(ltHandle(), p.compute, p.scaleType, p.abType, p.abType, p.dType,
                             p.dType, c.algoId, &algo) != CUBLAS_STATUS_SUCCESS)
    fail("cuBLASLt algorithm config '", config, "': algorithm ", c.algoId,
         " does not exist for these types");
  setConfig(algo, CUBLASLT_ALGO_CONFIG_TILE_ID, c.tile, config);
  setConfig(algo, CUBLASLT_ALGO_CONFIG_STAGES_ID, c.stages, config);
  setConfig(algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM, c.splitK, config);
  setConfig(algo, CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME, c.reduction, config);
  setConfig(algo, CUBLASLT_ALGO_CONFIG_CTA_SWIZZLING, c.swizzle, config);
  setConfig(algo, CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION, c.customOption, config);
  setConfig(algo, CUBLASLT_ALGO_CONFIG_INNER_SHAPE_ID, c.innerShape, config);
  setConfig(algo, CUBLASLT_ALGO_CONFIG_CLUSTER_SHAPE_ID, c.clusterShape, config);
  LtDescs d(p, nullptr);
  cublasLtMatmulHeuristicResult_t r{};
  const cublasStatus_t s = cublasLtMatmulAlgoCheck(ltHandle(), &d.op, &d.a, &d.b, &d.d, &d.d, &algo, &r);
  if (s != CUBLAS_STATUS_SUCCESS)
    fail("cuBLASLt algorithm config '", config, "' cannot run this problem: ",
         cublasLtGetStatusName(s));
  if (workspaceNeeded) *workspaceNeeded = r.workspaceSize;
  return algo;
}

cublasLtMatmulAlgo_t ltAlgoForRun(const LtProblem& p, const cublasLtMatmulAlgo_t& algo,
                                  size_t workspaceLimit) {
  LtDescs d(p, nullptr);
  cublasLtMatmulHeuristicResult_t r{};
  if (cublasLtMatmulAlgoCheck(ltHandle(), &d.op, &d.a, &d.b, &d.d, &d.d, &algo, &r) ==
          CUBLAS_STATUS_SUCCESS &&
      r.workspaceSize <= workspaceLimit)
    return algo;
  auto h = heuristic(p, workspaceLimit, 1);
  check(!h.empty(), "cuBLASLt has no algorithm for a ", p.m, "x", p.n, "x", p.k,
        " run within ", workspaceLimit, " bytes of workspace");
  return h[0].algo;
}

void ltMatmul(const LtProblem& p, const cublasLtMatmulAlgo_t& algo, const void* a, const void* b,
              void* d, const void* bias, void* workspace, size_t workspaceBytes,
              cudaStream_t stream) {
  LtDescs desc(p, bias);
  const float oneF = 1.f, zeroF = 0.f;
  const int32_t oneI = 1, zeroI = 0;
  const bool intScale = p.scaleType == CUDA_R_32I;
  const void* alpha = intScale ? static_cast<const void*>(&oneI) : &oneF;
  const void* beta = intScale ? static_cast<const void*>(&zeroI) : &zeroF;
  checkLt(cublasLtMatmul(ltHandle(), &desc.op, alpha, a, &desc.a, b, &desc.b, beta, d, &desc.d, d,
                         &desc.d, &algo, workspace, workspaceBytes, stream),
          "cublasLtMatmul");
}

}  // namespace int8rt::cuda
