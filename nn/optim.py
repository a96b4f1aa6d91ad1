"""Optimisers with PyTorch's signatures and update rules, for lists of parameter Values.

Each keeps its per-parameter state as lists of floats and follows torch.optim's single-tensor code
operation for operation (so float64 results agree to rounding). With g = p.grad (plus
weight_decay * p where the rule says so) and t the step count:

- SGD:     b = mu b + (1 - dampening) g (b = g at t = 1);  g = g + mu b (nesterov) or b;  p -= lr g
- RMSprop: v = alpha v + (1 - alpha) g^2;  [centered: m = lerp(m, g, 1 - alpha), v~ = v - m^2];
           d = sqrt(v~) + eps;  b = mu b + g / d, p -= lr b  (momentum) or p -= lr g / d
- Adam:    m = lerp(m, g, 1 - beta1);  v = beta2 v + (1 - beta2) g^2;  [amsgrad: v^ = max(v^, v)];
           p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
- AdamW:   Adam with decoupled weight decay: p *= 1 - lr weight_decay first, g left alone.

The hyper-parameters are attributes (``opt.lr = 0.01`` changes the learning rate from the next step).
Each is checked at the door, as torch does: a number (``lr='0.1'`` is a TypeError), finite and >= 0.
``params`` is an iterable of parameter Values, e.g. ``model.parameters()``, or the Module itself.

Speed: a step reads and writes the slots behind ``Value.data`` and ``Value.grad`` (``_data``,
``_grad``), not the properties, whose setters check that what is assigned is a real number and make
it a float. Going through them was most of a step's time (SGD on 1,210 parameters: 255 us through
the properties, 47 us through the slots) and their check has nothing to find here: the Values hold
floats (their setters and the engine see to it), every hyper-parameter is read as a float at the
start of a step (`_float`: the same number the arithmetic would have used, or the TypeError of a
non-number) and a loaded state as floats, so every number an update computes and writes is a float
-- what the setter would have stored.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

from autograd_lite import Value
from autograd_lite.value import real

from .module import Module


def _params(params: Iterable[Value] | Module, who: str) -> list[Value]:
    """The parameters to optimise: an iterable of leaf Values, or a Module (its parameters())."""
    if isinstance(params, Module):
        params = params.parameters()
    elif isinstance(params, Value) or not isinstance(params, Iterable):
        raise TypeError(f"{who} takes the parameters to optimise, e.g. model.parameters(), "
                        f"got {type(params).__name__}")
    params = list(params)
    if not params:
        raise ValueError(f"{who} got an empty parameter list")
    for p in params:
        if not isinstance(p, Value):
            raise TypeError(f"{who} takes Values to optimise, got {type(p).__name__}")
    if len(set(map(id, params))) != len(params):
        raise ValueError(f"{who} got the same parameter more than once")
    return params


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _number(value: Any, what: str, infinite: bool = False) -> float:
    """A hyper-parameter as a float >= 0: a TypeError for a non-number (``lr='0.1'``, a bool), a
    ValueError for NaN, a negative number or (unless `infinite`) infinity, each naming it as torch does."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a number, got {value!r} of type {type(value).__name__}")
    value = float(value)
    _check(value >= 0.0 and (infinite or value != math.inf), f"invalid {what}: {value}")
    return value


def _float(value: Any, what: str) -> float:
    """A hyper-parameter as the float a step computes with: itself when it is one (as set at the door),
    else the float of a number assigned since (an int, a numpy float: the same number the arithmetic
    would have used), or a TypeError naming it. This is what lets a step write its results unchecked."""
    return value if type(value) is float else real(value, what)


def _lerp(start: float, end: float, weight: float) -> float:
    """torch.lerp: start + weight (end - start), computed from the nearer end as torch does."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


class Optimizer:
    """Base class: the parameters, their per-parameter state (lists of floats) and `zero_grad`."""

    def __init__(self, params: Iterable[Value] | Module, lr: float) -> None:
        self.params = _params(params, type(self).__name__ + "()")
        self.lr = lr
        self.state: dict[str, list[float]] = {}
        self.steps = 0

    @property
    def lr(self) -> float:
        """The learning rate of the next step (checked when set: a schedule may set it every step)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _number(value, "learning rate")

    def _buffer(self, name: str) -> list[float]:
        if name not in self.state:
            self.state[name] = [0.0] * len(self.params)
        return self.state[name]

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0."""
        for p in self.params:
            p._grad = 0.0  # the slot behind `grad` (see the module's docstring)

    def step(self) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict:
        """A copy of the per-parameter state and the step count (to restore with `load_state_dict`)."""
        return {"steps": self.steps, "state": {k: list(v) for k, v in self.state.items()}}

    def load_state_dict(self, state: dict) -> None:
        """Restore what `state_dict` returned. The state's numbers are read as floats (a TypeError for
        anything else), as a step computes with them and writes its results unchecked."""
        self.steps = state["steps"]
        self.state = {k: [_float(x, f"optimizer state {k!r}") for x in v] for k, v in state["state"].items()}


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum, as torch.optim.SGD."""

    def __init__(self, params: Iterable[Value] | Module, lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(params, lr)
        momentum, dampening = _number(momentum, "momentum value"), _number(dampening, "dampening value")
        weight_decay = _number(weight_decay, "weight_decay value")
        _check(not nesterov or (momentum > 0 and dampening == 0),
               "Nesterov momentum requires a momentum and zero dampening")
        self.momentum, self.dampening, self.weight_decay, self.nesterov = momentum, dampening, weight_decay, nesterov

    def step(self) -> None:
        lr, mu = self.lr, _float(self.momentum, "momentum value")
        wd = _float(self.weight_decay, "weight_decay value")
        if mu == 0 and wd == 0:  # plain SGD, the common case: the loop below without its tests
            for p in self.params:
                p._data = p._data + -lr * p._grad
            self.steps += 1
            return
        first = "momentum_buffer" not in self.state  # as torch: a new buffer starts at the gradient
        buf = self._buffer("momentum_buffer") if mu != 0 else None
        damp = _float(self.dampening, "dampening value") if buf is not None else 0.0
        for i, p in enumerate(self.params):
            g = p._grad
            if wd != 0:
                g = g + wd * p._data
            if buf is not None:
                buf[i] = g if first else buf[i] * mu + (1.0 - damp) * g
                g = g + mu * buf[i] if self.nesterov else buf[i]
            p._data = p._data + -lr * g
        self.steps += 1


class RMSprop(Optimizer):
    """RMSprop (optionally centered, with momentum), as torch.optim.RMSprop."""

    def __init__(self, params: Iterable[Value] | Module, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False) -> None:
        super().__init__(params, lr)
        eps, momentum = _number(eps, "epsilon value"), _number(momentum, "momentum value")
        weight_decay, alpha = _number(weight_decay, "weight_decay value"), _number(alpha, "alpha value")
        self.alpha, self.eps, self.weight_decay = alpha, eps, weight_decay
        self.momentum, self.centered = momentum, centered

    def step(self) -> None:
        lr, alpha, eps = self.lr, _float(self.alpha, "alpha value"), _float(self.eps, "epsilon value")
        wd, mu = _float(self.weight_decay, "weight_decay value"), _float(self.momentum, "momentum value")
        square_avg = self._buffer("square_avg")
        grad_avg = self._buffer("grad_avg") if self.centered else None
        buf = self._buffer("momentum_buffer") if mu > 0 else None
        for i, p in enumerate(self.params):
            g = p._grad
            if wd != 0:
                g = g + wd * p._data
            v = square_avg[i] = square_avg[i] * alpha + (1.0 - alpha) * g * g
            if grad_avg is not None:
                m = grad_avg[i] = _lerp(grad_avg[i], g, 1.0 - alpha)
                v = v + -1.0 * m * m
            avg = math.sqrt(v) + eps
            if buf is not None:
                buf[i] = buf[i] * mu + g / avg
                p._data = p._data + -lr * buf[i]
            else:
                p._data = p._data + -lr * (g / avg)
        self.steps += 1


class Adam(Optimizer):
    """Adam (optionally AMSGrad), as torch.optim.Adam; weight_decay adds weight_decay * p to the gradient."""

    decoupled = False

    def __init__(self, params: Iterable[Value] | Module, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False) -> None:
        super().__init__(params, lr)
        eps, weight_decay = _number(eps, "epsilon value"), _number(weight_decay, "weight_decay value")
        betas = tuple(_number(beta, f"beta parameter at index {i}") for i, beta in enumerate(betas))
        _check(len(betas) == 2, f"betas must be a pair (beta1, beta2), got {betas}")
        for i, beta in enumerate(betas):
            _check(beta < 1.0, f"invalid beta parameter at index {i}: {beta}")
        self.betas, self.eps, self.weight_decay, self.amsgrad = betas, eps, weight_decay, amsgrad

    def step(self) -> None:
        lr = self.lr
        beta1, beta2 = (_float(beta, f"beta parameter at index {i}") for i, beta in enumerate(self.betas))
        eps, wd = _float(self.eps, "epsilon value"), _float(self.weight_decay, "weight_decay value")
        exp_avg, exp_avg_sq = self._buffer("exp_avg"), self._buffer("exp_avg_sq")
        max_sq = self._buffer("max_exp_avg_sq") if self.amsgrad else None
        t = self.steps + 1
        step_size = lr / (1.0 - beta1 ** t)
        bias_correction2_sqrt = math.sqrt(1.0 - beta2 ** t)
        for i, p in enumerate(self.params):
            g = p._grad
            if wd != 0:
                if self.decoupled:
                    p._data = p._data * (1.0 - lr * wd)
                else:
                    g = g + wd * p._data
            m = exp_avg[i] = _lerp(exp_avg[i], g, 1.0 - beta1)
            v = exp_avg_sq[i] = exp_avg_sq[i] * beta2 + (1.0 - beta2) * g * g
            if max_sq is not None:
                v = max_sq[i] = max(max_sq[i], v)
            denom = math.sqrt(v) / bias_correction2_sqrt + eps
            p._data = p._data + -step_size * (m / denom)
        self.steps = t


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as torch.optim.AdamW."""

    decoupled = True

    def __init__(self, params: Iterable[Value] | Module, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)


#: The optimisers by name, for ``nn.fit(..., optimizer="adam", lr=0.01)``.
OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW}


def clip_grad_norm(params: Iterable[Value] | Module, max_norm: float) -> float:
    """Scale all gradients so their joint L2 norm is at most max_norm; return the norm before clipping.

    As torch.nn.utils.clip_grad_norm_: coef = max_norm / (norm + 1e-6), applied when it is below 1.
    """
    params = _params(params, "clip_grad_norm()")
    max_norm = _number(max_norm, "max_norm", infinite=True)  # inf: report the norm, clip nothing
    total = math.sqrt(math.fsum(p._grad * p._grad for p in params))
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for p in params:  # a float times a float: the slot behind `grad` takes it unchecked
            p._grad = p._grad * coef
    return total
