// Serialization of layer parameters: one io() per parameter struct, used for both directions.
#pragma once
#include "int8rt/network.h"
#include "plan/archive.h"

namespace int8rt {

template <class A> void io(A& a, Weights& w) { io(a, w.values); }
template <class A> void io(A& a, Activation& x) { io(a, x.type); io(a, x.alpha); io(a, x.beta); }

template <class A> void io(A& a, ConvolutionParams& p) {
  io(a, p.nbOutputMaps); io(a, p.kernel); io(a, p.stride); io(a, p.padBegin); io(a, p.padEnd);
  io(a, p.dilation); io(a, p.groups); io(a, p.weights); io(a, p.bias); io(a, p.activation);
  if (a.format >= 2) io(a, p.fusedMaxPool);  // plan format 2
}
template <class A> void io(A& a, PoolingParams& p) {
  io(a, p.type); io(a, p.window); io(a, p.stride); io(a, p.padBegin); io(a, p.padEnd);
  io(a, p.dilation); io(a, p.rounding); io(a, p.averageExcludesPadding); io(a, p.global);
}
template <class A> void io(A& a, FullyConnectedParams& p) {
  io(a, p.nbOutputs); io(a, p.weights); io(a, p.bias); io(a, p.activation);
  if (a.format >= 3) io(a, p.fusedSoftmax);  // plan format 3
}
template <class A> void io(A& a, MatMulParams& p) { io(a, p.transposeA); io(a, p.transposeB); }
template <class A> void io(A& a, ActivationParams& p) { io(a, p.activation); }
template <class A> void io(A& a, SoftMaxParams& p) { io(a, p.axis); io(a, p.coerce2D); io(a, p.log); }
template <class A> void io(A& a, ElementWiseParams& p) { io(a, p.op); io(a, p.coeffs); io(a, p.activation); }
template <class A> void io(A& a, ConcatenationParams& p) { io(a, p.axis); }
template <class A> void io(A& a, ScaleParams& p) {
  io(a, p.mode); io(a, p.shift); io(a, p.scale); io(a, p.power); io(a, p.activation);
}
template <class A> void io(A& a, PReLUParams& p) { io(a, p.slopeShape); io(a, p.slope); }
template <class A> void io(A& a, LRNParams& p) { io(a, p.size); io(a, p.alpha); io(a, p.beta); io(a, p.k); }
template <class A> void io(A& a, ShuffleParams& p) {
  io(a, p.firstTranspose); io(a, p.doReshape); io(a, p.reshapeDims); io(a, p.secondTranspose);
}
template <class A> void io(A& a, PaddingParams& p) {
  io(a, p.mode); io(a, p.padBegin); io(a, p.padEnd); io(a, p.value);
}
template <class A> void io(A& a, ConstantParams& p) { io(a, p.shape); io(a, p.values); }
template <class A> void io(A&, IdentityParams&) {}

}  // namespace int8rt
