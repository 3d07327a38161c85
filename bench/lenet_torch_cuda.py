"""PyTorch's side of bench/run_cuda_bench.sh: the same LeNet (weights read from
models/lenet/lenet.onnx with the onnx package) on the same GPU, timed as cuda_bench times int8rt.

    python3 bench/lenet_torch_cuda.py [--data data/int8/fashion] [--iterations 2000]
                                      [--big-batch 8192] [--big-iterations 200] [--no-compile]
                                      [--compile-modes max-autotune,max-autotune-no-cudagraphs]

The device image's python3 (PyTorch 2.11, onnx). Variants:
  batch 100   fp32, fp32-cl, fp16, fp16-cl (cl: channels-last), each eager and as CUDA-graph
              replay (torch.cuda.CUDAGraph captured once on a static input). The input is FP32 as
              int8rt's binding is; the FP16 variants convert it inside the timed call.
  batch 8192  fp16-cl eager, and fp16 under torch.compile(mode="max-autotune") and
              "max-autotune-no-cudagraphs", the inputs rotated through enough FP32 buffers to
              exceed twice the L2 cache (as cuda_bench does).
Timing: each call between two CUDA events on the current stream; the median over --iterations
calls after a warm-up. Top-1 on the 10,000 test images (batch600..699) when --data has them.
Prints one line per measurement in cuda_bench's `key=value` format."""
import argparse
import copy
import os
import statistics
import sys

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "models", "lenet"))
from net import LeNetProb  # noqa: E402

IMAGE_BYTES = 28 * 28 * 4


def onnx_weights(path):
    """{layer: (W, b)} from the ONNX graph, node by node: Conv nodes are conv1, conv2 and Gemm
    nodes ip1, ip2 (x * W^T + b), whatever the exporter named the initializers."""
    import onnx
    from onnx import numpy_helper
    model = onnx.load(path)
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    convs = [n for n in model.graph.node if n.op_type == "Conv"]
    gemms = [n for n in model.graph.node if n.op_type == "Gemm"]
    if len(convs) != 2 or len(gemms) != 2:
        sys.exit(f"{path}: expected 2 Conv and 2 Gemm nodes, found {len(convs)} and {len(gemms)}")
    for g in gemms:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in g.attribute}
        if attrs.get("transB", 0) != 1 or attrs.get("transA", 0) != 0:
            sys.exit(f"{path}: Gemm {g.name} is not x * W^T + b")
    names = ["conv1", "conv2", "ip1", "ip2"]
    return {name: (inits[n.input[1]], inits[n.input[2]]) for name, n in zip(names, convs + gemms)}


def load_lenet(device):
    model = LeNetProb()
    with torch.no_grad():
        for name, (w, b) in onnx_weights(os.path.join(ROOT, "models", "lenet", "lenet.onnx")).items():
            getattr(model, name).weight.copy_(torch.from_numpy(np.array(w)))
            getattr(model, name).bias.copy_(torch.from_numpy(np.array(b)))
    return model.eval().to(device)


def read_test_images(batches):
    """batch600..699 (CONTRACTS.md section 5), or None when they are not there."""
    if not os.path.exists(os.path.join(batches, "batch699")):
        return None, None
    xs, ys = [], []
    for i in range(600, 700):
        raw = open(os.path.join(batches, f"batch{i}"), "rb").read()
        n, c, h, w = np.frombuffer(raw, dtype="<i4", count=4)
        xs.append(np.frombuffer(raw, dtype="<f4", count=n * c * h * w, offset=16).reshape(n, c, h, w))
        ys.append(np.frombuffer(raw, dtype="<f4", offset=16 + 4 * n * c * h * w).astype(np.int64))
    return torch.from_numpy(np.concatenate(xs)), torch.from_numpy(np.concatenate(ys))


def fill(test_x, count, offset, device):
    """`count` input images from the test set, wrapping from `offset`; uniform noise without it."""
    if test_x is None:
        g = torch.Generator().manual_seed(offset)
        return torch.rand(count, 1, 28, 28, generator=g).to(device)
    idx = (torch.arange(count) + offset) % test_x.shape[0]
    return test_x[idx].contiguous().to(device)


def make_variant(fp32, precision, channels_last):
    """A callable taking the FP32 NCHW input: the model in `precision`, its input converted to
    the model's dtype and memory format inside the call (so both are part of what is timed)."""
    dtype = torch.float16 if precision == "fp16" else torch.float32
    model = copy.deepcopy(fp32).to(dtype)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    if channels_last:
        model = model.to(memory_format=torch.channels_last)

    def run(x):
        return model(x.to(dtype=dtype, memory_format=fmt))
    return run


def graph_replay(fn, static_input):
    """fn captured into a CUDA graph on static_input; returns (replay, output)."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):  # warm-up on a side stream, as torch.cuda.graph's documentation asks
            fn(static_input)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        out = fn(static_input)
    return graph.replay, out


def time_calls(call, iterations, inputs=None):
    """Median and back-to-back mean ms of `call` (call(x) over the rotated inputs, or call())."""
    def invoke(i):
        return call(inputs[i % len(inputs)]) if inputs is not None else call()
    for i in range(max(10, iterations // 10, 2 * len(inputs or []))):
        invoke(i)
    torch.cuda.synchronize()
    events = [torch.cuda.Event(enable_timing=True) for _ in range(iterations + 1)]
    events[0].record()
    for i in range(iterations):
        invoke(i)
        events[i + 1].record()
    torch.cuda.synchronize()
    ms = [events[i].elapsed_time(events[i + 1]) for i in range(iterations)]
    return statistics.median(ms), events[0].elapsed_time(events[-1]) / iterations


def top1(fn, test_x, test_y, device):
    """CONTRACTS.md section 6: an image scores when no other class's probability is >= its own."""
    if test_x is None:
        return -1.0
    hits = 0
    with torch.inference_mode():
        for x, y in zip(test_x.split(100), test_y.split(100)):
            prob = fn(x.to(device)).float().cpu()
            truth = prob.gather(1, y[:, None])
            hits += int(((prob >= truth).sum(1) <= 1).sum())
    return hits / test_x.shape[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(ROOT, "data", "int8", "fashion"))
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--big-batch", type=int, default=8192)
    parser.add_argument("--big-iterations", type=int, default=200)
    parser.add_argument("--no-compile", action="store_true", help="skip torch.compile (minutes)")
    parser.add_argument("--compile-modes", default="max-autotune,max-autotune-no-cudagraphs",
                        help="torch.compile modes tried at the big batch, comma-separated")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        sys.exit("lenet_torch_cuda.py: no CUDA device")
    device = torch.device("cuda")
    prop = torch.cuda.get_device_properties(0)
    print(f"torch version={torch.__version__} card={prop.name.replace(' ', '_')} "
          f"l2_bytes={prop.L2_cache_size}", flush=True)
    torch.backends.cudnn.benchmark = True
    fp32 = load_lenet(device)
    test_x, test_y = read_test_images(os.path.join(args.data, "batches"))

    with torch.inference_mode():
        small = fill(test_x, 100, 0, device)
        for precision in ("fp32", "fp16"):
            for cl in (False, True):
                name = precision + ("-cl" if cl else "")
                fn = make_variant(fp32, precision, cl)
                acc = top1(fn, test_x, test_y, device)
                for mode in ("eager", "graph"):
                    if mode == "eager":
                        med, stream = time_calls(lambda: fn(small), args.iterations)
                    else:
                        replay, _ = graph_replay(fn, small)
                        med, stream = time_calls(replay, args.iterations)
                    print(f"torch {name}-{mode} batch=100 ms/batch={med:.5f} stream_ms/batch={stream:.5f} "
                          f"calls={args.iterations} top1={acc:.4f}", flush=True)

        # Batch 8192 under input rotation: enough FP32 buffers to exceed twice the L2 cache.
        big_bytes = args.big_batch * IMAGE_BYTES
        count = max(2, 2 * prop.L2_cache_size // big_bytes + 1)
        inputs = [fill(test_x, args.big_batch, b * 977, device) for b in range(count)]
        print(f"torch rotation buffers={count} bytes_each={big_bytes}", flush=True)
        candidates = [("fp16-cl-eager", make_variant(fp32, "fp16", True))]
    if not args.no_compile:
        for mode in [m for m in args.compile_modes.split(",") if m]:
            fn = make_variant(fp32, "fp16", False)
            candidates.append((f"fp16-compile-{mode}", torch.compile(fn, mode=mode, dynamic=False)))
    for name, fn in candidates:
        try:
            with torch.inference_mode():
                med, stream = time_calls(fn, args.big_iterations, inputs)
        except Exception as e:  # a compile failure must not hide the other numbers
            print(f"torch {name} batch={args.big_batch} failed={type(e).__name__}: "
                  f"{str(e).splitlines()[0] if str(e) else ''}", flush=True)
            continue
        ips = args.big_batch / (med / 1000.0)
        print(f"torch {name} batch={args.big_batch} ms/batch={med:.5f} stream_ms/batch={stream:.5f} "
              f"images/s={ips:.0f} buffers={count} calls={args.big_iterations}", flush=True)


if __name__ == "__main__":
    main()
