// Host-side index geometry of the data-movement kernels, computed once per shape set (create()
// for the setup's shapes; enqueue only when a run's shapes differ, e.g. a smaller batch). Pure
// C++ with fixed-size arrays: no allocation on the enqueue path, and unit-testable without a GPU.
//
// The one idea throughout: simplify before indexing. A permutation drops size-1 dims and merges
// dims that stay adjacent and in order (NCHW -> NHWC becomes [N, C, HW] -> [N, HW, C]); padding
// merges runs of unpadded dims. Fewer dims = fewer divisions per element; and when the innermost
// dim stays innermost, whole 16-byte units move instead of single elements.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "backends/cuda/layers/dm_fast_divmod.h"
#include "core/error.h"
#include "int8rt/network.h"

namespace int8rt::cuda::dm {

constexpr int kMaxRank = 8;

inline int64_t elementsOf(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// ---- permutations (shuffle) ----

// A permutation after dropping size-1 dims and merging runs that stay adjacent and in order.
// Output dim i of the transpose is input dim perm[i] (the CPU's transposeCopy convention).
struct ReducedPerm {
  Shape dims;              // reduced input shape
  std::vector<int> perm;   // over the reduced dims
  bool identity() const {
    for (size_t i = 0; i < perm.size(); ++i)
      if (perm[i] != static_cast<int>(i)) return false;
    return true;
  }
  // Elements that stay contiguous and innermost on both sides (1 when the last dim moves).
  int64_t innerRun() const {
    if (perm.empty()) return elementsOf(dims);
    return perm.back() == static_cast<int>(dims.size()) - 1 ? dims.back() : 1;
  }
};

// An empty perm is the identity.
inline ReducedPerm reducePermutation(const Shape& in, const std::vector<int>& perm) {
  const int r = static_cast<int>(in.size());
  std::vector<int> p(perm.begin(), perm.end());
  if (p.empty())
    for (int i = 0; i < r; ++i) p.push_back(i);
  check(static_cast<int>(p.size()) == r, "transpose of rank ", p.size(), " on a tensor of rank ", r);
  // 1. Drop size-1 input dims, renumbering the rest.
  std::vector<int> newIndex(r, -1);
  Shape kept;
  for (int d = 0; d < r; ++d)
    if (in[d] != 1) {
      newIndex[d] = static_cast<int>(kept.size());
      kept.push_back(in[d]);
    }
  std::vector<int> q;
  std::vector<bool> seen(r, false);
  for (int d : p) {
    check(d >= 0 && d < r && !seen[d], "transpose index ", d, " repeated or out of range for rank ", r);
    seen[d] = true;
    if (newIndex[d] >= 0) q.push_back(newIndex[d]);
  }
  // 2. Merge output neighbours q[i], q[i+1] == q[i] + 1 (adjacent and in order in the input).
  //    groups[k] = the input dims (consecutive) of merged output dim k.
  std::vector<std::pair<int, int>> groups;  // [first input dim, last input dim]
  for (int d : q) {
    if (!groups.empty() && groups.back().second + 1 == d)
      groups.back().second = d;
    else
      groups.push_back({d, d});
  }
  // Merged input dims are the groups sorted by their first input dim.
  std::vector<int> order(groups.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return groups[a].first < groups[b].first; });
  ReducedPerm out;
  out.dims.resize(groups.size());
  out.perm.resize(groups.size());
  for (size_t k = 0; k < order.size(); ++k) {  // k = merged input dim
    const auto& g = groups[order[k]];
    int64_t size = 1;
    for (int d = g.first; d <= g.second; ++d) size *= kept[d];
    out.dims[k] = size;
    out.perm[order[k]] = static_cast<int>(k);
  }
  return out;
}

// What the kernel needs to map an output linear index to the input linear index: the output
// dims (divided innermost first) and the input stride of each output dim, in units of `unit`
// elements.
struct PermStage {
  int rank = 0;  // 0: identity (no remapping)
  FastDivmod dim[kMaxRank];
  uint32_t stride[kMaxRank] = {};
};

// `unit` must divide innerRun() unless the permutation is the identity.
inline PermStage makePermStage(const ReducedPerm& rp, int64_t unit) {
  PermStage st;
  if (rp.identity()) return st;
  const int r = static_cast<int>(rp.dims.size());
  check(r <= kMaxRank, "transpose of rank ", r, " after simplification: at most ", kMaxRank);
  check(rp.innerRun() % unit == 0, "internal error: unit ", unit, " does not divide the inner run");
  std::vector<int64_t> inStride(r, 1);
  for (int d = r - 1; d > 0; --d) inStride[d - 1] = inStride[d] * rp.dims[d];
  st.rank = r;
  for (int i = 0; i < r; ++i) {
    int64_t dim = rp.dims[rp.perm[i]];
    int64_t stride = inStride[rp.perm[i]];
    if (i == r - 1) dim /= unit;          // the innermost output dim is the contiguous run
    else stride /= unit;                  // every other stride is a multiple of that run
    st.dim[i] = FastDivmod(static_cast<uint32_t>(std::max<int64_t>(dim, 1)));
    st.stride[i] = static_cast<uint32_t>(stride);
  }
  return st;
}

// Shuffle = first transpose, reshape (the row-major data does not move), second transpose. The
// kernel maps output index i through the second stage to an index j of the reshaped tensor
// (= the first transpose's output), then through the first stage to the input index.
struct ShuffleGeometry {
  PermStage first, second;
  uint32_t units = 0;      // elements / unitElems
  int unitBytes = 1;       // bytes moved per index: element size times a power of two, <= 16
  // The common layout change (NCHW <-> NHWC and any swap of the last two merged dims): one
  // active stage that is y[b][c][r] = x[b][r][c]. The kernel then transposes 32x32 tiles
  // through shared memory, coalesced on both sides; elements, not units.
  bool batchedTranspose = false;
  uint32_t batch = 0, rows = 0, cols = 0;  // of the input [batch, rows, cols]
};

// The reshaped shape is the output shape with the second transpose undone (as the CPU does).
inline Shape reshapedShape(const Shape& ys, const std::vector<int>& second) {
  if (second.empty()) return ys;
  check(second.size() == ys.size(), "second transpose does not match the output rank");
  Shape r(ys.size());
  for (size_t i = 0; i < second.size(); ++i) r[second[i]] = ys[i];
  return r;
}

// `align`: the byte alignment common to both pointers (16 assumed at create()).
inline ShuffleGeometry makeShuffleGeometry(const Shape& xs, const Shape& ys,
                                           const ShuffleParams& p, int elemBytes, int align) {
  const int64_t n = elementsOf(xs);
  check(n == elementsOf(ys), "shuffle of ", n, " elements into ", elementsOf(ys));
  check(n <= kMaxIndexable, "shuffle of ", n, " elements: at most 2^31 - 1");
  if (n == 0) return ShuffleGeometry{};  // nothing to move (and no dim to divide by)
  const ReducedPerm a = reducePermutation(xs, p.firstTranspose);
  const ReducedPerm b = reducePermutation(reshapedShape(ys, p.secondTranspose), p.secondTranspose);
  // Widest unit: a power of two of elements that divides every active stage's inner run and n,
  // at most 16 bytes, and within the pointers' alignment.
  int64_t unit = 1;
  while (elemBytes * unit * 2 <= 16 && elemBytes * unit * 2 <= align) {
    const int64_t u = unit * 2;
    const bool ok = n % u == 0 && (a.identity() || a.innerRun() % u == 0) &&
                    (b.identity() || b.innerRun() % u == 0);
    if (!ok) break;
    unit = u;
  }
  ShuffleGeometry g;
  if (a.identity() != b.identity()) {
    const ReducedPerm& t = a.identity() ? b : a;
    if (t.perm == std::vector<int>{0, 2, 1}) {
      g.batchedTranspose = true;
      g.batch = static_cast<uint32_t>(t.dims[0]);
      g.rows = static_cast<uint32_t>(t.dims[1]);
      g.cols = static_cast<uint32_t>(t.dims[2]);
    } else if (t.perm == std::vector<int>{1, 0}) {
      g.batchedTranspose = true;
      g.batch = 1;
      g.rows = static_cast<uint32_t>(t.dims[0]);
      g.cols = static_cast<uint32_t>(t.dims[1]);
    }
    if ((g.rows + 31) / 32 > 65535) g.batchedTranspose = false;  // grid.y limit: gather instead
  }
  g.first = makePermStage(a, unit);
  g.second = makePermStage(b, unit);
  g.units = static_cast<uint32_t>(n / unit);
  g.unitBytes = static_cast<int>(elemBytes * unit);
  return g;
}

// Output index -> input index of one stage, in units; the kernel's mapping, and on the host the
// tests' model of it. Unrolled over kMaxRank so that the dims stay in registers / constants.
DM_HOST_DEVICE uint32_t mapThroughStage(const PermStage& st, uint32_t i) {
  if (st.rank == 0) return i;
  uint32_t off = 0;
  DM_UNROLL
  for (int d = kMaxRank - 1; d > 0; --d) {
    if (d < st.rank) {
      uint32_t c;
      i = st.dim[d].divmod(i, c);
      off += c * st.stride[d];
    }
  }
  return off + i * st.stride[0];
}

// ---- padding ----

struct PadGeometry {
  int rank = 0;
  FastDivmod outDim[kMaxRank];
  int32_t inDim[kMaxRank] = {};
  int32_t padBegin[kMaxRank] = {};
  uint32_t inStride[kMaxRank] = {};
  uint32_t count = 0;  // output elements
};

// Runs of dims padded by 0 on both sides merge into one dim (their coordinates never leave the
// input, so the row-major flattening of the run is the same on both sides).
inline PadGeometry makePadGeometry(const Shape& xs, const Shape& ys, const PaddingParams& p) {
  const size_t r = xs.size();
  check(p.padBegin.size() == r && p.padEnd.size() == r && ys.size() == r, "padding of rank ",
        p.padBegin.size(), " on a tensor of rank ", r);
  check(elementsOf(xs) <= kMaxIndexable && elementsOf(ys) <= kMaxIndexable,
        "padding of more than 2^31 - 1 elements");
  Shape in, out, pb;
  bool lastUnpadded = false;
  for (size_t d = 0; d < r; ++d) {
    check(ys[d] == xs[d] + p.padBegin[d] + p.padEnd[d], "padding output dim ", d, " is ", ys[d],
          ", expected ", xs[d] + p.padBegin[d] + p.padEnd[d]);
    const bool unpadded = p.padBegin[d] == 0 && p.padEnd[d] == 0;
    if (unpadded && lastUnpadded) {
      in.back() *= xs[d];
      out.back() *= ys[d];
    } else {
      in.push_back(xs[d]);
      out.push_back(ys[d]);
      pb.push_back(p.padBegin[d]);
    }
    lastUnpadded = unpadded;
  }
  check(in.size() <= static_cast<size_t>(kMaxRank), "padding of rank ", in.size(),
        " after merging: at most ", kMaxRank);
  PadGeometry g;
  g.rank = static_cast<int>(in.size());
  int64_t stride = 1;
  for (int d = g.rank - 1; d >= 0; --d) {
    g.outDim[d] = FastDivmod(static_cast<uint32_t>(std::max<int64_t>(out[d], 1)));
    g.inDim[d] = static_cast<int32_t>(in[d]);
    g.padBegin[d] = static_cast<int32_t>(pb[d]);
    g.inStride[d] = static_cast<uint32_t>(stride);
    stride *= in[d];
  }
  g.count = static_cast<uint32_t>(elementsOf(ys));
  return g;
}

// The CPU reference's sourceIndex (padding_ref.cpp), host and device: input coordinate for
// coordinate i (which may lie outside [0, n)), or -1 for the constant.
DM_HOST_DEVICE int32_t padSourceIndex(int32_t i, int32_t n, PaddingMode mode) {
  if (i >= 0 && i < n) return i;
  if (n <= 0) return -1;
  switch (mode) {
    case PaddingMode::kCONSTANT:
      return -1;
    case PaddingMode::kEDGE:
      return i < 0 ? 0 : n - 1;
    case PaddingMode::kWRAP:
      return ((i % n) + n) % n;
    case PaddingMode::kREFLECT: {
      if (n == 1) return 0;
      const int32_t period = 2 * (n - 1);  // 0 1 .. n-1 n-2 .. 1 0 1 ..
      const int32_t m = ((i % period) + period) % period;
      return m < n ? m : period - m;
    }
  }
  return -1;
}

// ---- concatenation ----

constexpr int kMaxConcatParts = 32;  // inputs per launch; more inputs take more launches

// Input i fills, in each of `outer` output rows of rowBytes, the bytes [offset, offset + width).
// Moved in units of `unit` bytes (a power of two <= 16 dividing width, offset, row and both
// pointers' alignment).
struct ConcatPart {
  uint32_t units = 0;        // outer * width / unit
  FastDivmod widthUnits;     // width / unit
  uint32_t offsetUnits = 0;  // offset / unit
  uint32_t rowUnits = 0;     // rowBytes / unit
  int32_t unitLog2 = 0;
};

struct ConcatLayout {
  int64_t outer = 0, rowBytes = 0;
  std::vector<int64_t> widthBytes, offsetBytes;  // per input
};

inline ConcatLayout makeConcatLayout(const std::vector<Shape>& xs, const Shape& ys, int axis,
                                     int elemBytes) {
  const int r = static_cast<int>(ys.size());
  const int a = axis < 0 ? axis + r : axis;
  check(a >= 0 && a < r, "concatenation axis ", axis, " out of range for rank ", r);
  check(elementsOf(ys) <= kMaxIndexable, "concatenation of more than 2^31 - 1 elements");
  ConcatLayout l;
  l.outer = 1;
  int64_t inner = 1;
  for (int d = 0; d < a; ++d) l.outer *= ys[d];
  for (int d = a + 1; d < r; ++d) inner *= ys[d];
  l.rowBytes = ys[a] * inner * elemBytes;
  int64_t offset = 0;
  for (const Shape& s : xs) {
    check(static_cast<int>(s.size()) == r, "concatenation input of rank ", s.size(),
          " into rank ", r);
    for (int d = 0; d < r; ++d)
      check(d == a || s[d] == ys[d], "concatenation input dim ", d, " is ", s[d], ", output ",
            ys[d]);
    l.widthBytes.push_back(s[a] * inner * elemBytes);
    l.offsetBytes.push_back(offset);
    offset += s[a] * inner * elemBytes;
  }
  check(offset == l.rowBytes, "concatenation inputs fill ", offset, " of ", l.rowBytes,
        " bytes per row");
  return l;
}

// `align`: alignment in bytes of this input's pointer and the output's pointer (both).
inline ConcatPart makeConcatPart(const ConcatLayout& l, size_t i, int align) {
  int log2 = 0;
  while (log2 < 4) {
    const int64_t u = int64_t(2) << log2;
    if (u > align || l.widthBytes[i] % u || l.offsetBytes[i] % u || l.rowBytes % u) break;
    ++log2;
  }
  ConcatPart p;
  p.unitLog2 = log2;
  const int64_t w = l.widthBytes[i] >> log2;
  p.units = static_cast<uint32_t>(l.outer * w);
  p.widthUnits = FastDivmod(static_cast<uint32_t>(std::max<int64_t>(w, 1)));
  p.offsetUnits = static_cast<uint32_t>(l.offsetBytes[i] >> log2);
  p.rowUnits = static_cast<uint32_t>(l.rowBytes >> log2);
  return p;
}

// The alignment (a power of two, at most 16) of a pointer.
inline int pointerAlignment(const void* p) {
  const uintptr_t v = reinterpret_cast<uintptr_t>(p);
  int a = 16;
  while (a > 1 && (v & (a - 1))) a >>= 1;
  return a;
}

}  // namespace int8rt::cuda::dm
