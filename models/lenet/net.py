"""The classic Caffe LeNet (caffe/examples/mnist/lenet.prototxt): no activation after the
convolutions, ReLU only after ip1. Module names are the Caffe layer names so every exported file
(ONNX initializers, caffemodel layers) uses the same names."""
import torch
from torch import nn


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, kernel_size=5)   # 28 -> 24
        self.pool1 = nn.MaxPool2d(2, 2)                # 24 -> 12
        self.conv2 = nn.Conv2d(20, 50, kernel_size=5)  # 12 -> 8
        self.pool2 = nn.MaxPool2d(2, 2)                # 8 -> 4
        self.ip1 = nn.Linear(50 * 4 * 4, 500)
        self.relu1 = nn.ReLU()
        self.ip2 = nn.Linear(500, 10)

    def forward(self, x):
        """Logits; training uses these with cross-entropy."""
        x = self.pool2(self.conv2(self.pool1(self.conv1(x))))
        # Flattening NCHW in C order is exactly what Caffe's InnerProduct does with a 4-d bottom.
        return self.ip2(self.relu1(self.ip1(torch.flatten(x, 1))))


class LeNetProb(LeNet):
    """The deployed network: LeNet followed by the 'prob' softmax. A subclass rather than a
    wrapper, so exported parameter and node names stay conv1.weight, /conv1/Conv, ..."""

    def forward(self, data):
        return torch.softmax(super().forward(data), dim=1)
