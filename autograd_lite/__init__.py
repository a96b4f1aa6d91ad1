"""autograd_lite: a scalar reverse-mode automatic-differentiation engine you can see and step through."""

from .anomaly import AnomalyError, detect_anomaly
from .backward import chain_rule_step, local_gradients, topological_order
from .draw import Diagram, DiagramTooLarge, draw
from .gradcheck import GradcheckError, gradcheck
from .modes import enable_grad, is_grad_enabled, no_grad
from .naming import Group, Label
from .ops import OPS, Op
from .render import RenderError
from .replay import Replay, ReplayError, compile
from .stepper import BackwardStepper, Step, zero_grad
from .value import Const, Value, logsumexp, weighted_sum

__all__ = [
    "OPS",
    "AnomalyError",
    "BackwardStepper",
    "Const",
    "Diagram",
    "DiagramTooLarge",
    "GradcheckError",
    "Group",
    "Label",
    "Op",
    "RenderError",
    "Replay",
    "ReplayError",
    "Step",
    "Value",
    "chain_rule_step",
    "compile",
    "detect_anomaly",
    "draw",
    "enable_grad",
    "gradcheck",
    "is_grad_enabled",
    "local_gradients",
    "logsumexp",
    "no_grad",
    "topological_order",
    "weighted_sum",
    "zero_grad",
]
__version__ = "0.1.0"
