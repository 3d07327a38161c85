#include "backends/cuda/cudnn/cudnn_conv_shape.h"

#include "backends/cpu/common/kernel_util.h"
#include "backends/cuda/conv/conv_setup.h"
#include "core/error.h"

namespace int8rt::cuda {

bool cudnnPaddingFits(const KernelSetup& s) {
  const auto& p = s.layer->as<ConvolutionParams>();
  const Shape& x = s.inputShapes[0];
  const Shape& y = s.outputShapes[0];
  for (int i = 0; i < 2; ++i) {
    const int64_t pad = cpu::dimOr(p.padBegin, i, 0);
    const int64_t span = x[2 + i] + 2 * pad - (p.kernel[i] - 1) * cpu::dimOr(p.dilation, i, 1) - 1;
    if (span < 0 || span / cpu::dimOr(p.stride, i, 1) + 1 != y[2 + i]) return false;
  }
  return true;
}

CudnnConvShape cudnnConvShape(const KernelSetup& s) {
  check(conv::supportedConv2d(s) && cudnnPaddingFits(s), "layer '",
        s.layer ? s.layer->name : std::string("?"), "': not a convolution cuDNN can run as the layer does");
  const auto& p = s.layer->as<ConvolutionParams>();
  const Shape& x = s.inputShapes[0];
  const Shape& y = s.outputShapes[0];
  CudnnConvShape c;
  c.n = static_cast<int>(x[0]);
  c.c = static_cast<int>(x[1]);
  c.h = static_cast<int>(x[2]);
  c.w = static_cast<int>(x[3]);
  c.k = static_cast<int>(p.nbOutputMaps);
  c.r = static_cast<int>(p.kernel[0]);
  c.s = static_cast<int>(p.kernel[1]);
  c.oh = static_cast<int>(y[2]);
  c.ow = static_cast<int>(y[3]);
  c.groups = static_cast<int>(p.groups);
  c.padH = static_cast<int>(cpu::dimOr(p.padBegin, 0, 0));
  c.padW = static_cast<int>(cpu::dimOr(p.padBegin, 1, 0));
  c.strideH = static_cast<int>(cpu::dimOr(p.stride, 0, 1));
  c.strideW = static_cast<int>(cpu::dimOr(p.stride, 1, 1));
  c.dilationH = static_cast<int>(cpu::dimOr(p.dilation, 0, 1));
  c.dilationW = static_cast<int>(cpu::dimOr(p.dilation, 1, 1));
  return c;
}

}  // namespace int8rt::cuda
