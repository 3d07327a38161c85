"""Reads the Fashion-MNIST idx files (gzip-compressed, as Debian's dataset-fashion-mnist ships
them) into numpy arrays. Written here rather than taken from torchvision so the training script
depends only on torch and numpy, and reads exactly the bytes int8rt's own idx reader reads."""
import gzip
import os
import struct

import numpy as np

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path, rank):
    """Returns the uint8 array of an idx file (magic 0x000008<rank>, big-endian dims)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":  # gzip magic: decide by content, not by the file name
        raw = gzip.decompress(raw)
    magic = struct.unpack(">I", raw[:4])[0]
    if magic != 0x800 | rank:
        raise ValueError(f"{path}: bad idx magic {magic:#010x}, expected {0x800 | rank:#010x}")
    dims = struct.unpack(f">{rank}I", raw[4:4 + 4 * rank])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {data.size} data bytes, dims {dims} need {int(np.prod(dims))}")
    return data.reshape(dims)


def load(split, data_dir=DEFAULT_DIR):
    """split is 'train' or 't10k'; returns (images uint8 [N,28,28], labels uint8 [N])."""
    images = read_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte.gz"), 3)
    labels = read_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte.gz"), 1)
    if len(images) != len(labels):
        raise ValueError(f"{split}: {len(images)} images but {len(labels)} labels")
    return images, labels


def to_input(images):
    """uint8 [N,28,28] -> float32 [N,1,28,28] scaled by 1/256 with no mean, as Caffe's LeNet
    (and TensorRT's sampleINT8 batches) expect."""
    return images.astype(np.float32)[:, None, :, :] * np.float32(1.0 / 256.0)
