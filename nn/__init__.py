"""nn: neurons, layers and MLPs built from autograd_lite Values, in the source documents' notation."""

from . import bptt, equations, losses, optim
from .containers import Residual, Sequential
from .conv import Conv1d, Conv2d, Flatten, ReLU, Sigmoid, Tanh
from .data import make_moons
from .layers import MLP, Layer, Neuron
from .losses import binary_cross_entropy, cross_entropy, hinge, log_softmax, mse, softmax
from .module import Module
from .network_diagram import draw_network
from .recurrent import RNN
from .serialization import load
from .trace import Trace
from .training import History, accuracy, fit

__all__ = [
    "Conv1d",
    "Conv2d",
    "Flatten",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "MLP",
    "History",
    "Layer",
    "Module",
    "Neuron",
    "RNN",
    "Residual",
    "Sequential",
    "Trace",
    "accuracy",
    "bptt",
    "binary_cross_entropy",
    "cross_entropy",
    "draw_network",
    "equations",
    "fit",
    "hinge",
    "load",
    "log_softmax",
    "losses",
    "make_moons",
    "mse",
    "optim",
    "softmax",
]
