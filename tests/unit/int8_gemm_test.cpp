// The exact int8 GEMM's int32 accumulators against a plain triple loop: both vpmaddubsw schemes
// (U8, S16, SIGN), odd sizes with every tail, adversarial +-127 / -128 data that would saturate a
// naive vpmaddubsw, and the run-time choice that sends negative data to the exact SIGN path.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "backends/cpu/int8/int8_common.h"
#include "core/error.h"
#include "int8_test_util.h"

namespace int8rt::cpu {
namespace {

using i8::GemmScheme;
using int8test::randomInt8;

struct AlignedBytes {
  explicit AlignedBytes(int64_t n)
      : p(static_cast<int8_t*>(
            std::aligned_alloc(64, static_cast<size_t>((n + 63) / 64 * 64 + 64)))) {}
  ~AlignedBytes() { std::free(p); }
  int8_t* p;
};

// C[m][n] = sum_r A[m][r] * X[n][r] through the packed GEMM; returns the raw accumulators.
std::vector<int32_t> gemmAcc(const std::vector<int8_t>& a, const std::vector<int8_t>& x, int64_t m,
                             int64_t n, int64_t r, GemmScheme scheme,
                             std::vector<uint8_t>* flagsOut = nullptr) {
  const int64_t kGroups = (r + 3) / 4, bBlock = kGroups * i8::kNR * 4;
  const int64_t aBytes = i8::packedABytes(m, kGroups), bBytes = i8::packedBBytes(n, kGroups);
  AlignedBytes pa(aBytes), pb(bBytes), pa16(2 * aBytes), pb16(2 * bBytes);
  i8::packA(a.data(), m, r, r, pa.p);
  const int64_t blocks = (n + i8::kNR - 1) / i8::kNR;
  std::vector<uint8_t> flags(static_cast<size_t>(blocks));
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t rows = std::min<int64_t>(i8::kNR, n - b * i8::kNR);
    i8::packRowsAvx2(x.data() + b * i8::kNR * r, rows, r, r, kGroups, pb.p + b * bBlock);
    flags[b] = i8::anyNegativeAvx2(x.data() + b * i8::kNR * r, rows * r) ? 0 : 1;
  }
  auto* a16 = reinterpret_cast<int16_t*>(pa16.p);
  auto* b16 = reinterpret_cast<int16_t*>(pb16.p);
  i8::widenInt8Avx2(pa.p, a16, aBytes);
  i8::widenInt8Avx2(pb.p, b16, bBytes);
  std::vector<int32_t> c(static_cast<size_t>(m * n), 0x5a5a5a5a);
  i8::Int8Epilogue ep;
  ep.accOut = c.data();
  ep.rowStride = n;
  ep.colStride = 1;
  i8::GemmOperands op;
  op.a8 = pa.p;
  op.a16 = a16;
  op.rows = m;
  op.b8 = pb.p;
  op.b16 = b16;
  op.cols = n;
  op.kGroups = kGroups;
  op.nonNegBlocks = flags.data();
  i8::gemmInt8Avx2(op, ep, scheme);
  if (flagsOut) *flagsOut = flags;
  return c;
}

std::vector<int32_t> naiveAcc(const std::vector<int8_t>& a, const std::vector<int8_t>& x, int64_t m,
                              int64_t n, int64_t r) {
  std::vector<int32_t> c(static_cast<size_t>(m * n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      int32_t s = 0;
      for (int64_t k = 0; k < r; ++k) s += int32_t{a[i * r + k]} * int32_t{x[j * r + k]};
      c[i * n + j] = s;
    }
  return c;
}

TEST(Int8Gemm, SignedSchemesAreExactOnRandomSignedData) {
  INT8_REQUIRE_AVX2();
  for (auto [m, n, r] : {std::tuple<int64_t, int64_t, int64_t>{7, 37, 13},
                         {4, 16, 4},
                         {1, 1, 1},
                         {13, 9, 801},
                         {5, 24, 6},
                         {3, 8, 9},
                         {6, 17, 40}}) {
    auto a = randomInt8(m * r, 1 + m, -127, 127), x = randomInt8(n * r, 2 + n);
    const auto ref = naiveAcc(a, x, m, n, r);
    EXPECT_EQ(gemmAcc(a, x, m, n, r, GemmScheme::kSign), ref) << m << "x" << n << "x" << r;
    EXPECT_EQ(gemmAcc(a, x, m, n, r, GemmScheme::kS16), ref) << m << "x" << n << "x" << r;
    EXPECT_EQ(gemmAcc(a, x, m, n, r, GemmScheme::kAuto), ref) << m << "x" << n << "x" << r;
  }
}

TEST(Int8Gemm, U8SchemeIsExactOnNonNegativeData) {
  INT8_REQUIRE_AVX2();
  const int64_t m = 11, n = 45, r = 29;
  auto a = randomInt8(m * r, 3, -127, 127), x = randomInt8(n * r, 4, 1, 127);
  const auto ref = naiveAcc(a, x, m, n, r);
  std::vector<uint8_t> flags;
  EXPECT_EQ(gemmAcc(a, x, m, n, r, GemmScheme::kU8), ref);
  EXPECT_EQ(gemmAcc(a, x, m, n, r, GemmScheme::kS16), ref);
  EXPECT_EQ(gemmAcc(a, x, m, n, r, GemmScheme::kAuto, &flags), ref);
  for (uint8_t f : flags) EXPECT_EQ(f, 1) << "non-negative data should allow U8";
}

// Pair sums at the edge of int16: a vpmaddubsw on offset (x + 128 as u8) data would saturate
// at 2 * 255 * 127; the schemes' worst cases are 2*127*127 (U8) and 2*128*127 (SIGN).
TEST(Int8Gemm, AdversarialExtremesStayExact) {
  INT8_REQUIRE_AVX2();
  const int64_t m = 6, n = 19, r = 64;
  std::vector<int8_t> a(m * r), x(n * r);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t k = 0; k < r; ++k) {
      // rows: all +127, all -127, alternating +-127, pairs (+,+,-,-), alternating -/+, random sign
      const int s[] = {
          1, -1, k % 2 ? -1 : 1, (k / 2) % 2 ? -1 : 1, k % 2 ? 1 : -1, ((k * 7 + i) % 3) ? 1 : -1};
      a[i * r + k] = static_cast<int8_t>(127 * s[i]);
    }
  for (int64_t j = 0; j < n; ++j)
    for (int64_t k = 0; k < r; ++k) {
      int v;
      switch (j % 4) {
        case 0:
          v = -128;
          break;  // |x| = 128: the SIGN worst case
        case 1:
          v = 127;
          break;
        case 2:
          v = k % 2 ? -128 : 127;
          break;  // alternating extremes
        default:
          v = (k / 2) % 2 ? 127 : -128;
          break;
      }
      x[j * r + k] = static_cast<int8_t>(v);
    }
  const auto ref = naiveAcc(a, x, m, n, r);
  EXPECT_EQ(gemmAcc(a, x, m, n, r, GemmScheme::kSign), ref);
  EXPECT_EQ(gemmAcc(a, x, m, n, r, GemmScheme::kS16), ref);
  EXPECT_EQ(gemmAcc(a, x, m, n, r, GemmScheme::kAuto), ref);
  // All activations 127 with all weights +127 or -127: U8's worst case 2*127*127 = 32258.
  std::vector<int8_t> xp(n * r, 127);
  EXPECT_EQ(gemmAcc(a, xp, m, n, r, GemmScheme::kU8), naiveAcc(a, xp, m, n, r));
  EXPECT_EQ(naiveAcc(a, xp, m, n, r)[0], 64 * 127 * 127);
}

TEST(Int8Gemm, NegativeActivationsTakeTheExactPath) {
  INT8_REQUIRE_AVX2();
  const int64_t m = 5, n = 40, r = 21;
  auto a = randomInt8(m * r, 7, -127, 127), x = randomInt8(n * r, 8, 1, 127);
  x[20 * r + 5] = -128;  // one negative byte, in column block 1 only
  std::vector<uint8_t> flags;
  const auto ref = naiveAcc(a, x, m, n, r);
  EXPECT_EQ(gemmAcc(a, x, m, n, r, GemmScheme::kAuto, &flags), ref);
  EXPECT_EQ(flags, (std::vector<uint8_t>{1, 0, 1}));
  // What the check prevents: U8 reads -128 as 128 and gets block 1 wrong.
  EXPECT_NE(gemmAcc(a, x, m, n, r, GemmScheme::kU8), ref);
}

TEST(Int8Gemm, PackingRejectsWeightMinus128) {
  std::vector<int8_t> a = {1, -128, 3, 4};
  std::vector<int8_t> out(static_cast<size_t>(i8::packedABytes(1, 1)));
  EXPECT_THROW(i8::packA(a.data(), 1, 4, 4, out.data()), Error);
}

}  // namespace
}  // namespace int8rt::cpu
