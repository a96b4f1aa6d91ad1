"""autograd_lite: a scalar reverse-mode automatic-differentiation engine you can see and step through.

Reading order -- each module imports only the ones above it:

1. The engine, to read in one sitting:
   `ops` (the table of operations: every forward value and derivative, once), `floatmath` (the
   numbers it computes with), `backward` (the topological order and the chain rule, written once),
   `value` (`Value`: nodes built with the table), `specialise` (the table's code inlined into each
   operation's hot paths, generated and inspectable), `modes` (`no_grad`), `anomaly`.
2. Checks: `gradcheck` (finite differences).
3. Seeing: `naming` (`Label`: what a model tells the engine about its nodes), `escape`, `draw` and
   `render` (diagrams), `stepper` (the backward pass one node at a time), `walkthrough` (the same,
   as an interactive page), `expression` and `__main__` (the command line).
4. Replay: `replay` with `arraymath` (the same table over numpy arrays; numpy is imported there, when
   used, never by ``import autograd_lite``).
"""

from .anomaly import AnomalyError, detect_anomaly
from .backward import chain_rule_step, local_gradients, topological_order
from .draw import Diagram, DiagramTooLarge, draw
from .gradcheck import GradcheckError, gradcheck
from .modes import enable_grad, is_grad_enabled, no_grad
from .naming import Group, Label
from .ops import OPERATIONS, OPS, Op, Operation
from .render import RenderError
from .replay import Replay, ReplayError, compile
from .stepper import BackwardStepper, Step, zero_grad
from .value import Const, Value, logsumexp, weighted_sum
from .walkthrough import Walkthrough, walkthrough

__all__ = [
    "OPERATIONS",
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
    "Operation",
    "RenderError",
    "Replay",
    "ReplayError",
    "Step",
    "Value",
    "Walkthrough",
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
    "walkthrough",
    "weighted_sum",
    "zero_grad",
]
__version__ = "0.1.0"
