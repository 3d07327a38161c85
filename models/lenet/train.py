"""Trains the classic Caffe LeNet on Fashion-MNIST (CPU, deterministic) and exports it for int8rt:
lenet.onnx, deploy.prototxt and lenet.caffemodel in this directory.

    /usr/bin/python3 models/lenet/train.py [--data-dir /usr/share/datasets/fashion-mnist]

Uses Debian's python3-torch 1.13 and python3-onnx; see README.md for the recorded results."""
import argparse
import os
import random
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import export_caffe  # noqa: E402
import fashion  # noqa: E402
from net import LeNet, LeNetProb  # noqa: E402

SEED = 1
EPOCHS = 4
BATCH = 64
# Adam at 1e-3, then one epoch at 1e-4 to settle: about 0.90 top-1 in about 4 minutes on 2 cores.
LR = [1e-3, 1e-3, 1e-3, 1e-4]


def set_determinism(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(2)  # a fixed thread count also fixes the reduction order
    torch.use_deterministic_algorithms(True)


def accuracy(model, images, labels):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(images), 1000):
            correct += (model(images[i:i + 1000]).argmax(1) == labels[i:i + 1000]).sum().item()
    return correct / len(images)


def train(model, images, labels):
    generator = torch.Generator().manual_seed(SEED)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR[0])
    for epoch in range(EPOCHS):
        for group in optimizer.param_groups:
            group["lr"] = LR[epoch]
        model.train()
        order = torch.randperm(len(images), generator=generator)
        total = 0.0
        for i in range(0, len(images), BATCH):
            idx = order[i:i + BATCH]
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(images[idx]), labels[idx])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        print(f"epoch {epoch + 1}/{EPOCHS}: lr {LR[epoch]:g}, mean loss {total / len(images):.4f}",
              flush=True)


def export_onnx(model, path):
    deploy = LeNetProb()
    deploy.load_state_dict(model.state_dict())
    deploy.eval()
    dummy = torch.zeros(1, 1, 28, 28)
    torch.onnx.export(deploy, dummy, path, opset_version=13, input_names=["data"],
                      output_names=["prob"], do_constant_folding=True,
                      dynamic_axes={"data": {0: "N"}, "prob": {0: "N"}})


def caffe_weights(model):
    layers = {"conv1": model.conv1, "conv2": model.conv2, "ip1": model.ip1, "ip2": model.ip2}
    return {name: [m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()]
            for name, m in layers.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=fashion.DEFAULT_DIR)
    parser.add_argument("--out-dir", default=HERE)
    args = parser.parse_args()
    # Fail before training, not after, when the Caffe export cannot work.
    if not os.path.exists(export_caffe.CAFFE_PROTO):
        sys.exit(f"{export_caffe.CAFFE_PROTO} not found")

    set_determinism(SEED)
    train_x, train_y = fashion.load("train", args.data_dir)
    test_x, test_y = fashion.load("t10k", args.data_dir)
    train_x = torch.from_numpy(fashion.to_input(train_x))
    train_y = torch.from_numpy(train_y.astype(np.int64))
    test_x = torch.from_numpy(fashion.to_input(test_x))
    test_y = torch.from_numpy(test_y.astype(np.int64))

    model = LeNet()
    start = time.time()
    train(model, train_x, train_y)
    seconds = time.time() - start
    top1 = accuracy(model, test_x, test_y)
    print(f"training time: {seconds:.1f} s ({EPOCHS} epochs, batch {BATCH}, seed {SEED}, "
          f"{torch.get_num_threads()} threads)")
    print(f"FP32 test top-1: {top1:.4f} ({round(top1 * len(test_y))}/{len(test_y)})")

    export_onnx(model, os.path.join(args.out_dir, "lenet.onnx"))
    export_caffe.export(caffe_weights(model), args.out_dir)
    print(f"wrote lenet.onnx, deploy.prototxt, lenet.caffemodel to {args.out_dir}")


if __name__ == "__main__":
    main()
