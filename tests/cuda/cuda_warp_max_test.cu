// warpMax (backends/cuda/warp_max.cuh): the maximum of a warp's floats by one integer REDUX,
// against a host fold of the same values, bit for bit: mixed signs, all negative, infinities,
// signed zeros, subnormals and NaNs (which count as -inf).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "backends/cuda/cuda_device.h"
#include "backends/cuda/device_buffer.h"
#include "backends/cuda/warp_max.cuh"

namespace int8rt::cuda::test {
namespace {

__global__ void warpMaxKernel(const float* in, float* out) {
  const float m = warpMax(in[blockIdx.x * 32 + threadIdx.x]);
  if (threadIdx.x == 0) out[blockIdx.x] = m;
}

uint32_t bitsOf(float v) {
  uint32_t b;
  std::memcpy(&b, &v, 4);
  return b;
}

// The host's maximum: NaN skipped, +0 above -0, -inf when nothing else is left.
float hostMax(const float* v) {
  float m = -std::numeric_limits<float>::infinity();
  for (int i = 0; i < 32; ++i) {
    if (std::isnan(v[i])) continue;
    if (v[i] > m || (v[i] == 0.f && m == 0.f && !std::signbit(v[i]))) m = v[i];
  }
  return m;
}

TEST(CudaWarpMax, MatchesHostFoldBitForBit) {
  const DeviceInfo& device = currentDevice();
  if (!device.present) GTEST_SKIP() << device.absentReason;
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const float tiny = std::numeric_limits<float>::denorm_min();
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.f, 30.f);
  std::vector<std::vector<float>> warps;
  for (int w = 0; w < 40; ++w) {  // random, mixed signs
    std::vector<float> v(32);
    for (float& x : v) x = normal(rng);
    warps.push_back(v);
  }
  for (int w = 0; w < 10; ++w) {  // all negative: the maximum has the smallest magnitude
    std::vector<float> v(32);
    for (float& x : v) x = -std::fabs(normal(rng)) - 1e-3f;
    warps.push_back(v);
  }
  std::vector<float> specials = warps[0];
  specials[3] = inf;
  warps.push_back(specials);
  specials = warps[40];
  specials[5] = -inf, specials[6] = nan, specials[7] = -nan;
  warps.push_back(specials);
  warps.push_back(std::vector<float>(32, -inf));
  warps.push_back(std::vector<float>(32, nan));
  std::vector<float> zeros(32, -0.f);
  warps.push_back(zeros);
  zeros[17] = 0.f;
  warps.push_back(zeros);
  std::vector<float> sub(32, -tiny);
  sub[9] = -0.f;
  warps.push_back(sub);
  sub[30] = tiny;
  warps.push_back(sub);
  std::vector<float> nanAndNegative(32, nan);
  nanAndNegative[31] = -5.5f;
  warps.push_back(nanAndNegative);

  std::vector<float> flat;
  for (const auto& v : warps) flat.insert(flat.end(), v.begin(), v.end());
  const int n = static_cast<int>(warps.size());
  DeviceBuffer in(flat.size() * sizeof(float), "warp max input"), out(n * sizeof(float), "warp max output");
  in.upload(flat.data(), flat.size() * sizeof(float));
  warpMaxKernel<<<n, 32>>>(in.as<float>(), out.as<float>());
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  std::vector<float> got(n);
  ASSERT_EQ(cudaMemcpy(got.data(), out.as<float>(), n * sizeof(float), cudaMemcpyDeviceToHost), cudaSuccess);
  for (int w = 0; w < n; ++w) {
    SCOPED_TRACE("warp " + std::to_string(w));
    EXPECT_EQ(bitsOf(got[w]), bitsOf(hostMax(warps[w].data()))) << got[w] << " vs " << hostMax(warps[w].data());
  }
}

}  // namespace
}  // namespace int8rt::cuda::test
