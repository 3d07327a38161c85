"""Writes reference outputs for int8rt's C++ tests: the exported LeNet's FP32 output on the first
16 Fashion-MNIST test images, computed by PyTorch from the weights stored in lenet.onnx, after
checking that lenet.caffemodel holds bit-identical weights (so one reference serves both the
Caffe and the ONNX import paths).

    /usr/bin/python3 models/lenet/check_outputs.py

Writes reference/input_0.pb ("data", [16,1,28,28]) and reference/output_0.pb ("prob", [16,10]),
ONNX TensorProto files in the layout of ONNX's own test_data_set directories."""
import argparse
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import export_caffe  # noqa: E402
import fashion  # noqa: E402
from net import LeNetProb  # noqa: E402

COUNT = 16


def onnx_weights(path):
    """{layer: [W, b]} read node by node (Conv nodes are conv1, conv2; Gemm nodes ip1, ip2), so
    the result does not depend on how the exporter named its initializers."""
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
    return {name: [inits[n.input[1]], inits[n.input[2]]] for name, n in zip(names, convs + gemms)}


def caffe_weights(path):
    caffe_pb2 = export_caffe.load_caffe_pb2()
    net = caffe_pb2.NetParameter()
    with open(path, "rb") as f:
        net.ParseFromString(f.read())
    return {layer.name: [np.array(b.data, dtype=np.float32).reshape(tuple(b.shape.dim))
                         for b in layer.blobs]
            for layer in net.layer if layer.blobs}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=fashion.DEFAULT_DIR)
    parser.add_argument("--model-dir", default=HERE)
    args = parser.parse_args()
    torch.set_num_threads(2)

    weights = onnx_weights(os.path.join(args.model_dir, "lenet.onnx"))
    from_caffe = caffe_weights(os.path.join(args.model_dir, "lenet.caffemodel"))
    if sorted(from_caffe) != sorted(weights):
        sys.exit(f"caffemodel layers {sorted(from_caffe)} differ from ONNX's {sorted(weights)}")
    for name, blobs in weights.items():
        for i, (a, b) in enumerate(zip(blobs, from_caffe[name])):
            if a.shape != b.shape or not np.array_equal(a, b):
                sys.exit(f"{name} blob {i}: caffemodel and ONNX weights differ")
    print("lenet.caffemodel and lenet.onnx hold identical weights")

    deploy = LeNetProb()
    with torch.no_grad():
        for name, (w, b) in weights.items():
            getattr(deploy, name).weight.copy_(torch.from_numpy(np.array(w)))
            getattr(deploy, name).bias.copy_(torch.from_numpy(np.array(b)))
    deploy.eval()

    images, labels = fashion.load("t10k", args.data_dir)
    data = fashion.to_input(images[:COUNT])
    with torch.no_grad():
        prob = deploy(torch.from_numpy(data)).numpy()

    out_dir = os.path.join(args.model_dir, "reference")
    os.makedirs(out_dir, exist_ok=True)
    for name, array, file in (("data", data, "input_0.pb"), ("prob", prob, "output_0.pb")):
        with open(os.path.join(out_dir, file), "wb") as f:
            f.write(numpy_helper.from_array(array.astype(np.float32), name).SerializeToString())
    predicted = prob.argmax(1)
    print(f"first {COUNT} test images: labels    {labels[:COUNT].tolist()}")
    print(f"                        predicted {predicted.tolist()} "
          f"({int((predicted == labels[:COUNT]).sum())}/{COUNT} correct)")
    print(f"wrote {out_dir}/input_0.pb {list(data.shape)} and output_0.pb {list(prob.shape)}")


if __name__ == "__main__":
    main()
