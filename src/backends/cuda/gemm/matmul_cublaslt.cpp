// MatMul (numpy semantics, optional transposes, batch broadcast) through cuBLASLt as one
// strided-batched GEMM: "cuda_matmul_fp32_cublaslt" (FP32 compute, not TF32) and
// "cuda_matmul_fp16_cublaslt" (FP16 tensors, FP32 accumulation). Broadcasts without a
// constant stride are not supported (matmul_geometry.h).
//
// Row-major Y[M][N] = op(A) op(B) is column-major Y^T[N x M] = op(B)^T op(A)^T, and a stored
// row-major matrix read column-major is its transpose: cuBLASLt's A is our B (bCols x bRows,
// ld bCols, transposed when transposeB), its B is our A (aCols x aRows, ld aCols, transposed
// when transposeA), D is N x M with ld N.
#include <vector>

#include "backends/cpu/common/kernel_util.h"
#include "backends/cuda/gemm/gemm_candidates.h"
#include "backends/cuda/gemm/lt_matmul.h"
#include "backends/cuda/gemm/matmul_geometry.h"
#include "core/error.h"

namespace int8rt::cuda {

namespace {

constexpr size_t kMaxLtWorkspace = 8u << 20;
constexpr int kMaxConfigs = 8;

bool geometryOf(const KernelSetup& s, const std::vector<Shape>& in, MatMulGeometry* g) {
  const auto& p = s.layer->as<MatMulParams>();
  if (!matMulGeometry(in.at(0), in.at(1), p.transposeA, p.transposeB, g)) return false;
  return g->m > 0 && g->n > 0 && g->k > 0 && g->batch > 0 && g->batch <= INT32_MAX;
}

LtProblem matMulProblem(const MatMulGeometry& g, bool half, const MatMulParams& p) {
  LtProblem q;
  q.abType = q.dType = half ? CUDA_R_16F : CUDA_R_32F;
  q.compute = CUBLAS_COMPUTE_32F;
  q.scaleType = CUDA_R_32F;
  q.opA = p.transposeB ? CUBLAS_OP_T : CUBLAS_OP_N;
  q.opB = p.transposeA ? CUBLAS_OP_T : CUBLAS_OP_N;
  q.m = static_cast<uint64_t>(g.n);
  q.n = static_cast<uint64_t>(g.m);
  q.k = static_cast<uint64_t>(g.k);
  q.lda = g.bCols;
  q.ldb = g.aCols;
  q.ldd = g.n;
  q.batch = static_cast<int32_t>(g.batch);
  q.strideA = g.strideB;
  q.strideB = g.strideA;
  q.strideD = g.m * g.n;
  return q;
}

bool supportsAt(bool half, const KernelSetup& s, const DeviceInfo& dev) {
  if (!dev.present || !s.layer || s.layer->kind() != LayerKind::kMATMUL) return false;
  if (s.inputShapes.size() != 2 || s.outputShapes.size() != 1 || s.inputTypes.size() != 2 ||
      s.outputTypes.size() != 1)
    return false;
  const DataType t = half ? DataType::kHALF : DataType::kFLOAT;
  if (s.inputTypes[0] != t || s.inputTypes[1] != t || s.outputTypes[0] != t) return false;
  MatMulGeometry g;
  if (!geometryOf(s, s.inputShapes, &g)) return false;
  try {
    return !ltHeuristicConfigs(matMulProblem(g, half, s.layer->as<MatMulParams>()),
                               kMaxLtWorkspace, 1)
                .empty();
  } catch (const Error&) {
    return false;
  }
}

std::vector<std::string> configsAt(bool half, const KernelSetup& s) {
  MatMulGeometry g;
  check(geometryOf(s, s.inputShapes, &g), "layer '", s.layer->name, "': unsupported matmul");
  return ltHeuristicConfigs(matMulProblem(g, half, s.layer->as<MatMulParams>()), kMaxLtWorkspace,
                            kMaxConfigs);
}

class MatMulCublasLt final : public Kernel {
 public:
  MatMulCublasLt(bool half, const KernelSetup& s, const std::string& config)
      : name_(s.layer->name), half_(half), params_(s.layer->as<MatMulParams>()) {
    MatMulGeometry g;
    check(geometryOf(s, s.inputShapes, &g), "layer '", name_, "': matmul of ",
          cpu::shapeText(s.inputShapes.at(0)), " x ", cpu::shapeText(s.inputShapes.at(1)),
          " is not a strided batched GEMM");
    problem_ = matMulProblem(g, half, params_);
    algo_ = ltAlgoFromConfig(problem_, config, &workspace_);
    workspace_ = (workspace_ + 255) / 256 * 256;
  }

  size_t workspaceBytes() const override { return workspace_; }

  void enqueue(const RunArgs& a) override {
    MatMulGeometry g;
    const Shape& as = a.inputs.at(0).shape;
    const Shape& bs = a.inputs.at(1).shape;
    check(matMulGeometry(as, bs, params_.transposeA, params_.transposeB, &g) &&
              g.batch <= problem_.batch && cpu::elementCount(a.outputs.at(0).shape) == g.batch * g.m * g.n,
          "layer '", name_, "': run shapes ", cpu::shapeText(as), " x ", cpu::shapeText(bs), " -> ",
          cpu::shapeText(a.outputs.at(0).shape), " do not match the matmul");
    if (g.batch * g.m * g.n == 0) return;
    const LtProblem p = matMulProblem(g, half_, params_);
    const bool same = p.m == problem_.m && p.n == problem_.n && p.k == problem_.k &&
                      p.batch == problem_.batch && p.strideA == problem_.strideA &&
                      p.strideB == problem_.strideB;
    const cublasLtMatmulAlgo_t algo = same ? algo_ : ltAlgoForRun(p, algo_, workspace_);
    // cuBLASLt's A is our B and its B our A (see the top of the file).
    ltMatmul(p, algo, a.inputs[1].data, a.inputs[0].data, a.outputs[0].data, nullptr,
             workspace_ ? a.workspace : nullptr, workspace_, a.stream);
  }

 private:
  std::string name_;
  bool half_;
  MatMulParams params_;
  LtProblem problem_;
  cublasLtMatmulAlgo_t algo_{};
  size_t workspace_ = 0;
};

template <bool Half>
bool supportsH(const KernelSetup& s, const DeviceInfo& dev) { return supportsAt(Half, s, dev); }
template <bool Half>
std::vector<std::string> configsH(const KernelSetup& s, const DeviceInfo&) { return configsAt(Half, s); }
template <bool Half>
std::unique_ptr<Kernel> createH(const KernelSetup& s, const std::string& config) {
  return std::make_unique<MatMulCublasLt>(Half, s, config);
}

}  // namespace

std::vector<Candidate> matMulCublasLtCandidates() {
  return {
      {"cuda_matmul_fp32_cublaslt", LayerKind::kMATMUL, DataType::kFLOAT, supportsH<false>,
       configsH<false>, createH<false>},
      {"cuda_matmul_fp16_cublaslt", LayerKind::kMATMUL, DataType::kHALF, supportsH<true>,
       configsH<true>, createH<true>},
  };
}

}  // namespace int8rt::cuda
