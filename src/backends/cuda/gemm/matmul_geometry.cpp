#include "backends/cuda/gemm/matmul_geometry.h"

#include <algorithm>

namespace int8rt::cuda {

bool matMulGeometry(const Shape& aIn, const Shape& bIn, bool tA, bool tB, MatMulGeometry* g) {
  if (aIn.empty() || bIn.empty()) return false;
  Shape a = aIn, b = bIn;
  // As the reference: a vector a is a row [1, K], a vector b a column [K, 1].
  if (a.size() == 1) a.insert(a.begin(), 1);
  if (b.size() == 1) b.push_back(1);
  for (int64_t d : a) if (d < 0) return false;
  for (int64_t d : b) if (d < 0) return false;
  MatMulGeometry r;
  r.aRows = a[a.size() - 2];
  r.aCols = a.back();
  r.bRows = b[b.size() - 2];
  r.bCols = b.back();
  r.m = tA ? r.aCols : r.aRows;
  r.k = tA ? r.aRows : r.aCols;
  const int64_t k2 = tB ? r.bCols : r.bRows;
  r.n = tB ? r.bRows : r.bCols;
  if (r.k != k2) return false;

  // Batch dims right-aligned; each pair must broadcast (equal, or one of them 1).
  const size_t na = a.size() - 2, nb = b.size() - 2, nOut = std::max(na, nb);
  int64_t volA = 1, volB = 1, volOut = 1;
  for (size_t i = 0; i < nOut; ++i) {
    const int64_t da = i < nOut - na ? 1 : a[i - (nOut - na)];
    const int64_t db = i < nOut - nb ? 1 : b[i - (nOut - nb)];
    if (da != db && da != 1 && db != 1) return false;
    volA *= da;
    volB *= db;
    volOut *= da == 1 ? db : da;
  }
  // Each operand's dims are 1 or the output's, so equal volumes mean the whole batch.
  if ((volA != 1 && volA != volOut) || (volB != 1 && volB != volOut)) return false;
  r.batch = volOut;
  r.strideA = volA == 1 ? 0 : r.aRows * r.aCols;
  r.strideB = volB == 1 ? 0 : r.bRows * r.bCols;
  *g = r;
  return true;
}

}  // namespace int8rt::cuda
