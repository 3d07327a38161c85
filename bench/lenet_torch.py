"""PyTorch's side of bench/run_lenet_bench.sh: the same LeNet (weights read from
models/lenet/lenet.onnx), the same Fashion-MNIST batch files as int8rt, timed the same way.

    /usr/bin/python3 bench/lenet_torch.py [--data data/int8/fashion] [--threads 2] [--rounds 5]
                                          [--timed-batches 20] [--single-images 500]

Debian's python3-torch 1.13 (not another python3 on PATH). Variants:
  fp32-eager      nn.Module under torch.inference_mode()
  fp32-script     torch.jit.trace, torch.jit.freeze, torch.jit.optimize_for_inference
  int8-ENGINE-eager / int8-ENGINE-trace
                  eager-mode post-training static quantization (QuantStub/DeQuantStub, ip1+relu1
                  fused, the engine's default qconfig), calibrated on the 500 images int8rt
                  calibrates on (batches 0..9 of 50), then run eagerly or traced and frozen.
                  ENGINE is every quantized engine this torch has among fbgemm, x86, onednn and
                  qnnpack (Debian's 1.13 has no fbgemm: onednn is its x86 backend).
Timing: the median of single calls after one warm-up pass, as lenet_bench: batch 100 over the
first --timed-batches test batches, batch 1 over the first --single-images test images, each
--rounds times. Accuracy (top-1) on all 10,000 test images; a traced variant is checked against
its eager model on 1000 images and shares its accuracy. Prints one `key=value` line per
measurement, in lenet_bench's format."""
import argparse
import copy
import os
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "models", "lenet"))
from check_outputs import onnx_weights  # noqa: E402  (reads the ONNX initializers per layer)
from net import LeNet, LeNetProb  # noqa: E402

ENGINES = ["fbgemm", "x86", "onednn", "qnnpack"]


def read_batch_file(path):
    """CONTRACTS.md section 5: int32 N, C, H, W; N*C*H*W float32; then N float32 labels."""
    raw = open(path, "rb").read()
    n, c, h, w = np.frombuffer(raw, dtype="<i4", count=4)
    images = np.frombuffer(raw, dtype="<f4", count=n * c * h * w, offset=16)
    labels = np.frombuffer(raw, dtype="<f4", offset=16 + 4 * n * c * h * w)
    return images.reshape(n, c, h, w).copy(), labels.astype(np.int64)


def read_batches(directory, first, count):
    parts = [read_batch_file(os.path.join(directory, f"batch{i}")) for i in range(first, first + count)]
    return (torch.from_numpy(np.concatenate([p[0] for p in parts])),
            torch.from_numpy(np.concatenate([p[1] for p in parts])))


def load_lenet():
    model = LeNetProb()
    with torch.no_grad():
        for name, (w, b) in onnx_weights(os.path.join(ROOT, "models", "lenet", "lenet.onnx")).items():
            getattr(model, name).weight.copy_(torch.from_numpy(np.array(w)))
            getattr(model, name).bias.copy_(torch.from_numpy(np.array(b)))
    return model.eval()


class QuantizedLeNet(nn.Module):
    """LeNet between QuantStub and DeQuantStub; softmax stays float (as int8rt's 'prob')."""

    def __init__(self, fp32):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.net = LeNet()
        self.net.load_state_dict(fp32.state_dict())
        self.dequant = torch.ao.quantization.DeQuantStub()

    def forward(self, x):
        return torch.softmax(self.dequant(self.net(self.quant(x))), dim=1)


def quantize(fp32, engine, calibration):
    torch.backends.quantized.engine = engine
    model = QuantizedLeNet(fp32).eval()
    torch.ao.quantization.fuse_modules(model.net, [["ip1", "relu1"]], inplace=True)
    model.qconfig = torch.ao.quantization.get_default_qconfig(engine)
    torch.ao.quantization.prepare(model, inplace=True)
    with torch.inference_mode():
        for batch in calibration.split(50):  # int8rt's calibration batches: 10 of 50
            model(batch)
    return torch.ao.quantization.convert(model, inplace=True)


def top1(model, images, labels):
    """CONTRACTS.md section 6: an image scores when no other class's probability is >= its own."""
    with torch.inference_mode():
        prob = torch.cat([model(x) for x in images.split(100)])
    truth = prob.gather(1, labels[:, None])
    return ((prob >= truth).sum(1) <= 1).double().mean().item()


def median_ms(model, chunks, rounds):
    times = []
    with torch.inference_mode():
        for chunk in chunks:  # warm-up (TorchScript profiles and optimizes on the first calls)
            model(chunk)
        for _ in range(rounds):
            for chunk in chunks:
                t0 = time.perf_counter()
                model(chunk)
                times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times), len(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(ROOT, "data", "int8", "fashion"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--timed-batches", type=int, default=20)
    parser.add_argument("--single-images", type=int, default=500)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    batches = os.path.join(args.data, "batches")
    test_x, test_y = read_batches(batches, 600, 100)
    calib_x, _ = read_batches(batches, 0, 5)  # images 0..499 = batches 0..9 of 50

    fp32 = load_lenet()
    example = test_x[:1]
    # (name, model, the eager model a traced one must reproduce, or None)
    variants = [("fp32-eager", fp32, None)]
    with torch.inference_mode():
        # Traced, not scripted: net.py's LeNetProb calls super().forward, which TorchScript cannot
        # compile; the graph has no control flow, so tracing records the same program.
        script = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(copy.deepcopy(fp32), example)))
    variants.append(("fp32-script", script, fp32))
    available = torch.backends.quantized.supported_engines
    for engine in [e for e in ENGINES if e in available]:
        t0 = time.perf_counter()
        qmodel = quantize(fp32, engine, calib_x)
        seconds = time.perf_counter() - t0
        print(f"torch calibration int8-{engine} images=500 seconds={seconds:.4f}", flush=True)
        with torch.inference_mode():
            traced = torch.jit.freeze(torch.jit.trace(qmodel, example).eval())
        variants += [(f"int8-{engine}-eager", qmodel, None), (f"int8-{engine}-trace", traced, qmodel)]

    accuracy = {}
    for name, model, reference in variants:
        if name.startswith("int8-"):
            torch.backends.quantized.engine = name.split("-")[1]
        if reference is None:
            accuracy[id(model)] = top1(model, test_x, test_y)
            check = ""
        else:  # the same program: its accuracy is the eager one's, checked on 1000 images
            with torch.inference_mode():
                diff = (model(test_x[:1000]) - reference(test_x[:1000])).abs().max().item()
            accuracy[id(model)] = accuracy[id(reference)]
            check = f" maxdiff-vs-eager={diff:.2e}"
        for batch, chunks in ((100, list(test_x[:100 * args.timed_batches].split(100))),
                              (1, list(test_x[:args.single_images].split(1)))):
            ms, calls = median_ms(model, chunks, args.rounds)
            print(f"torch {name} batch={batch} ms/image={ms / batch:.6f} calls={calls} "
                  f"top1={accuracy[id(model)]:.4f}{check}", flush=True)
    print(f"torch version={torch.__version__} threads={torch.get_num_threads()} "
          f"engines={','.join(available)}")


if __name__ == "__main__":
    main()
