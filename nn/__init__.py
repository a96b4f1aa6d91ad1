"""nn: neurons, layers and MLPs built from autograd_lite Values, in the source documents' notation."""
