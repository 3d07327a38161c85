// The device probe: without a GPU it says why (and the other CUDA tests skip with that reason);
// with one, it reports what the kernels' supports() rely on.
#include "cuda_test_util.h"

namespace int8rt::cuda::test {
namespace {

TEST(CudaDevice, ProbeIsConsistent) {
  const DeviceInfo& d = currentDevice();
  if (!d.present) {
    EXPECT_FALSE(d.absentReason.empty());
    EXPECT_THROW(requireDevice(), Error);
    GTEST_SKIP() << d.absentReason;
  }
  EXPECT_TRUE(d.absentReason.empty());
  EXPECT_GE(d.sm(), 50);
  EXPECT_GT(d.multiprocessors, 0);
  EXPECT_GT(d.globalBytes, size_t(1) << 30);
  std::printf("device %d: %s, sm_%d, %d SMs, L2 %zu bytes\n", d.ordinal, d.name.c_str(), d.sm(),
              d.multiprocessors, d.l2Bytes);
}

}  // namespace
}  // namespace int8rt::cuda::test
