"""Writes the Caffe form of the trained LeNet: deploy.prototxt (text) and lenet.caffemodel (binary
NetParameter, V2 `layer` entries, blobs with BlobShape). The protobuf classes are generated at
export time from int8rt's own src/parsers/caffe/caffe.proto, so the files are exactly what the
C++ importer parses, and no Caffe installation is needed."""
import importlib
import os
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CAFFE_PROTO = os.path.join(REPO, "src", "parsers", "caffe", "caffe.proto")

# TensorRT's data/mnist/deploy.prototxt declares the input the legacy way, batch 64; the batch
# dimension is only a default, engines choose their own.
DEPLOY_PROTOTXT = """\
name: "LeNet"
input: "data"
input_shape {
  dim: 64
  dim: 1
  dim: 28
  dim: 28
}
layer {
  name: "conv1"
  type: "Convolution"
  bottom: "data"
  top: "conv1"
  convolution_param {
    num_output: 20
    kernel_size: 5
    stride: 1
  }
}
layer {
  name: "pool1"
  type: "Pooling"
  bottom: "conv1"
  top: "pool1"
  pooling_param {
    pool: MAX
    kernel_size: 2
    stride: 2
  }
}
layer {
  name: "conv2"
  type: "Convolution"
  bottom: "pool1"
  top: "conv2"
  convolution_param {
    num_output: 50
    kernel_size: 5
    stride: 1
  }
}
layer {
  name: "pool2"
  type: "Pooling"
  bottom: "conv2"
  top: "pool2"
  pooling_param {
    pool: MAX
    kernel_size: 2
    stride: 2
  }
}
layer {
  name: "ip1"
  type: "InnerProduct"
  bottom: "pool2"
  top: "ip1"
  inner_product_param {
    num_output: 500
  }
}
layer {
  name: "relu1"
  type: "ReLU"
  bottom: "ip1"
  top: "ip1"
}
layer {
  name: "ip2"
  type: "InnerProduct"
  bottom: "ip1"
  top: "ip2"
  inner_product_param {
    num_output: 10
  }
}
layer {
  name: "prob"
  type: "Softmax"
  bottom: "ip2"
  top: "prob"
}
"""


def load_caffe_pb2():
    """Runs protoc on caffe.proto into a temporary directory and imports the result."""
    if not os.path.exists(CAFFE_PROTO):
        sys.exit(f"{CAFFE_PROTO} not found: the Caffe export needs int8rt's caffe.proto")
    out = tempfile.mkdtemp(prefix="int8rt_caffe_pb2_")
    subprocess.run(["protoc", f"--python_out={out}", f"-I{os.path.dirname(CAFFE_PROTO)}",
                    CAFFE_PROTO], check=True)
    sys.path.insert(0, out)
    return importlib.import_module("caffe_pb2")


def build_net(caffe_pb2, weights):
    """The deploy net from DEPLOY_PROTOTXT with the blobs of `weights` ({layer: [arrays]})
    attached, the way Caffe's Net::ToProto writes a trained model."""
    from google.protobuf import text_format
    net = text_format.Parse(DEPLOY_PROTOTXT, caffe_pb2.NetParameter())
    # A caffemodel carries layers and weights, not the deploy-time input declaration.
    del net.input[:]
    del net.input_shape[:]
    for layer in net.layer:
        for array in weights.get(layer.name, []):
            blob = layer.blobs.add()
            blob.shape.dim.extend(int(d) for d in array.shape)
            blob.data.extend(array.astype("float32").ravel().tolist())
    return net


def export(weights, out_dir):
    """weights: {'conv1': [W, b], ...} as float32 numpy arrays in Caffe's layouts (conv
    [out,in,kh,kw], InnerProduct [out,in]); these are also PyTorch's layouts."""
    caffe_pb2 = load_caffe_pb2()
    net = build_net(caffe_pb2, weights)
    with open(os.path.join(out_dir, "deploy.prototxt"), "w") as f:
        f.write(DEPLOY_PROTOTXT)
    with open(os.path.join(out_dir, "lenet.caffemodel"), "wb") as f:
        f.write(net.SerializeToString())
