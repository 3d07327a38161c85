// CPU-side logic of the CUDA gemm group, no GPU needed: the cuBLASLt algorithm config string
// (round trip, strict rejection of anything else) and the MatMul strided-batch geometry.
#ifdef INT8RT_HAVE_CUDA
#include <gtest/gtest.h>

#include "backends/cuda/gemm/lt_algo_config.h"
#include "backends/cuda/gemm/matmul_geometry.h"
#include "core/error.h"

namespace int8rt::cuda {
namespace {

TEST(CudaGemmConfig, RoundTripsEveryField) {
  LtAlgoConfig c;
  c.algoId = 66;
  c.tile = 23;
  c.stages = 35;
  c.splitK = 4;
  c.reduction = 2;
  c.swizzle = 1;
  c.customOption = 7;
  c.innerShape = 65535;
  c.clusterShape = 17;
  const std::string s = formatLtAlgoConfig(c);
  EXPECT_EQ(s, "id=66,tile=23,stages=35,splitk=4,red=2,swz=1,cust=7,inner=65535,cluster=17");
  EXPECT_TRUE(parseLtAlgoConfig(s) == c);
  LtAlgoConfig auto_ = c;
  auto_.splitK = -1;  // cuBLASLt's "choose it yourself"
  EXPECT_TRUE(parseLtAlgoConfig(formatLtAlgoConfig(auto_)) == auto_);
  const LtAlgoConfig d;  // defaults
  EXPECT_TRUE(parseLtAlgoConfig(formatLtAlgoConfig(d)) == d);
  LtAlgoConfig big = c;
  big.tile = 4294967295u;
  big.algoId = 2147483647;
  EXPECT_TRUE(parseLtAlgoConfig(formatLtAlgoConfig(big)) == big);
}

TEST(CudaGemmConfig, RejectsGarbage) {
  const char* bad[] = {
      "",
      "garbage",
      "id=1",
      "id=1,tile=2,stages=3,splitk=1,red=0,swz=0,cust=0,inner=0",                 // key missing
      "id=1,tile=2,stages=3,splitk=1,red=0,swz=0,cust=0,inner=0,cluster=0,",      // trailing ,
      "id=1,tile=2,stages=3,splitk=1,red=0,swz=0,cust=0,inner=0,cluster=0 ",      // trailing space
      "id=1,tile=2,stages=3,splitk=1,red=0,swz=0,cust=0,cluster=0,inner=0",       // order
      "id=1,tile=2,stages=3,splitk=0,red=0,swz=0,cust=0,inner=0,cluster=0",       // split-K 0
      "id=1,tile=2,stages=3,splitk=-2,red=0,swz=0,cust=0,inner=0,cluster=0",
      "id=-1,tile=2,stages=3,splitk=1,red=0,swz=0,cust=0,inner=0,cluster=0",      // negative
      "id=1,tile=-,stages=3,splitk=1,red=0,swz=0,cust=0,inner=0,cluster=0",
      "id=1,tile=,stages=3,splitk=1,red=0,swz=0,cust=0,inner=0,cluster=0",
      "id=1,tile=2x,stages=3,splitk=1,red=0,swz=0,cust=0,inner=0,cluster=0",
      "id=1,tile=4294967296,stages=3,splitk=1,red=0,swz=0,cust=0,inner=0,cluster=0",  // > u32
      "id=1,tile=2,stages=3,splitk=1,red=0,swz=0,cust=0,inner=65536,cluster=0",       // > u16
      "id=1,tile=2,stages=3,splitk=1,red=0,swz=0,cust=0,inner=0,cluster=99999999999999",
      "ID=1,tile=2,stages=3,splitk=1,red=0,swz=0,cust=0,inner=0,cluster=0",
      " id=1,tile=2,stages=3,splitk=1,red=0,swz=0,cust=0,inner=0,cluster=0",
  };
  for (const char* b : bad) EXPECT_THROW(parseLtAlgoConfig(b), Error) << "'" << b << "'";
}

TEST(CudaGemmConfig, MatMulGeometryStridesAndBroadcast) {
  MatMulGeometry g;
  ASSERT_TRUE(matMulGeometry({3, 7, 33}, {33, 13}, false, false, &g));
  EXPECT_EQ(g.m, 7);
  EXPECT_EQ(g.n, 13);
  EXPECT_EQ(g.k, 33);
  EXPECT_EQ(g.batch, 3);
  EXPECT_EQ(g.strideA, 7 * 33);
  EXPECT_EQ(g.strideB, 0);

  ASSERT_TRUE(matMulGeometry({13, 7}, {2, 3, 13, 5}, true, false, &g));
  EXPECT_EQ(g.m, 7);
  EXPECT_EQ(g.k, 13);
  EXPECT_EQ(g.batch, 6);
  EXPECT_EQ(g.strideA, 0);
  EXPECT_EQ(g.strideB, 13 * 5);

  // B's batch [1, 3] against [2, 3]: neither one matrix nor the whole batch.
  EXPECT_FALSE(matMulGeometry({2, 3, 5, 7}, {1, 3, 4, 7}, false, true, &g));
  EXPECT_TRUE(matMulGeometry({2, 3, 5, 7}, {1, 1, 4, 7}, false, true, &g));
  EXPECT_EQ(g.n, 4);
  EXPECT_EQ(g.strideB, 0);

  ASSERT_TRUE(matMulGeometry({5, 7}, {7}, false, false, &g));  // matrix x vector
  EXPECT_EQ(g.m, 5);
  EXPECT_EQ(g.n, 1);
  ASSERT_TRUE(matMulGeometry({7}, {2, 7, 5}, false, false, &g));  // vector x batch
  EXPECT_EQ(g.m, 1);
  EXPECT_EQ(g.batch, 2);

  EXPECT_FALSE(matMulGeometry({2, 1, 4, 5}, {3, 5, 6}, false, false, &g));
  EXPECT_FALSE(matMulGeometry({4, 5}, {6, 3}, false, false, &g));  // inner dims differ
  EXPECT_FALSE(matMulGeometry({}, {6, 3}, false, false, &g));
  EXPECT_FALSE(matMulGeometry({2, 4, 5}, {3, 5, 6}, false, false, &g));  // 2 vs 3
}

}  // namespace
}  // namespace int8rt::cuda
#endif  // INT8RT_HAVE_CUDA
