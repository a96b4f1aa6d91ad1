"""nn: neurons, layers and MLPs built from autograd_lite Values, in the source documents' notation."""
from .network_diagram import draw_network  # noqa: F401
