"""The optimizer contract and the registry every part of the library reads.

An optimizer is a pair of pure updates on the flat parameter vector, with
explicit state (after optax):

    state = opt.init(params)
    step, state = opt.update(grad, state, params)      # the caller does params += step

The learning rate carries the minus sign, so ``step`` is always *added*.
``state`` is a plain dict of NumPy arrays and numbers -- easy to inspect,
to save in a checkpoint and to restore.  ``state["learning_rate"]`` is the
rate in force; a schedule changes it there between updates.  For speed the
returned ``step`` is a buffer owned by the state: use it before the next
``update``.

Methods that need more than one gradient (line searches, curvature
products) declare ``needs_oracle = True`` and take ``oracle=`` in
``update``: an object with ``loss(params)``, ``loss_and_grad(params)`` and,
where needed, Jacobian / Fisher / Hessian-vector products.  They are
full-batch methods (``full_batch_only = True``); the trainer refuses to run
them on mini-batches.

An element-wise rule may also carry its compiled form, for :mod:`backprop.fast`:
``kernel`` is a plain Python loop over the parameters (numba compiles it into
the epoch loop; this package never imports numba), written next to ``update``
in the same order of operations, so both give the same numbers::

    kernel(hp, sc, grad, params, step, *arrays)

``hp`` holds the attributes named in ``kernel_hp`` as floats (pairs
flattened), ``sc`` is the array ``[t, learning_rate, *kernel_scalars]`` (t
already counts this update; the kernel writes its scalars back), ``arrays``
are the state arrays named in ``kernel_state`` (an empty array where the
state has none).  The kernel writes the step into ``step`` and adds it to
``params``.  An optimizer without a kernel trains on the NumPy path only
(``backprop.fast.why_not`` says so).
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar

import numpy as np

from .._errors import ConfigError, check_choice, check_range

__all__ = ["Optimizer", "ElementwiseOptimizer", "register", "get", "available"]

State = dict[str, Any]

_REGISTRY: dict[str, type["Optimizer"]] = {}

# Other libraries' names for our hyperparameters (PyTorch, Keras, scikit-learn), for error hints.
_OTHER_NAMES = {"lr": "learning_rate", "learning_rate_init": "learning_rate", "alpha": "rho",
                "beta_1": "beta1", "beta_2": "beta2", "epsilon": "eps", "decay": "weight_decay",
                "nesterovs_momentum": "nesterov", "initial_accumulator": "initial_accumulator_value"}


class Optimizer:
    """Base class: validated hyperparameters plus ``init`` / ``update``.

    Subclasses set ``name``, ``defaults`` (every hyperparameter with its
    default) and ``ranges`` (``name: (low, high)`` or ``(low, high,
    low_open, high_open)``), and implement ``init`` and ``update``.
    """

    name: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}
    ranges: ClassVar[dict[str, tuple]] = {}
    needs_oracle: ClassVar[bool] = False
    full_batch_only: ClassVar[bool] = False
    kernel: ClassVar[Callable[..., None] | None] = None   # the compiled update (module docstring)
    kernel_hp: ClassVar[tuple[str, ...]] = ()
    kernel_state: ClassVar[tuple[str, ...]] = ()
    kernel_scalars: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **hyperparameters: Any):
        unknown = sorted(set(hyperparameters) - set(self.defaults))
        if unknown:
            hint = _OTHER_NAMES.get(unknown[0])
            hint = f" (our name: {hint})" if hint and hint in self.defaults else ""
            raise ConfigError(f"unknown hyperparameter {unknown[0]!r} for optimizer {self.name!r}"
                              f"{hint}; valid: {', '.join(self.defaults) or '(none)'}")
        self.hyperparameters = {**self.defaults, **hyperparameters}
        for key, spec in self.ranges.items():
            check_range(f"{self.name}: {key}", self.hyperparameters[key], *spec)
        for key, value in self.hyperparameters.items():
            setattr(self, key, value)
        self._check()

    def _check(self) -> None:
        """Extra checks between hyperparameters (override where needed)."""

    def init(self, params: np.ndarray) -> State:
        raise NotImplementedError

    def update(self, grad: np.ndarray, state: State, params: np.ndarray,
               oracle: Any = None) -> tuple[np.ndarray, State]:
        raise NotImplementedError

    def _state(self, params: np.ndarray, **arrays: Any) -> State:
        """A fresh state: iteration count, learning rate, the step buffer, and ``arrays``."""
        state: State = {"t": 0, "learning_rate": float(self.hyperparameters.get("learning_rate", 1.0)),
                        "step": np.zeros_like(params)}
        state.update(arrays)
        return state

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters.items())
        return f"{type(self).__name__}({args})"


OPEN = (0.0, None, True)          # (0, inf)
NONNEG = (0.0, None)              # [0, inf)
UNIT = (0.0, 1.0)                 # [0, 1]
UNIT_OPEN = (0.0, 1.0, False, True)   # [0, 1)


class ElementwiseOptimizer(Optimizer):
    """Shared plumbing: coupled weight decay into the buffer ``state["g"]``.

    With ``weight_decay > 0`` the state holds ``g``, the gradient the rule
    actually uses, ``dE/dw + weight_decay * w`` (L2 regularisation, coupled:
    it passes through the adaptive scaling like the loss gradient does).
    """

    coupled_weight_decay = True

    def _state(self, params: np.ndarray, **arrays: Any) -> State:
        if self.coupled_weight_decay and self.hyperparameters.get("weight_decay", 0.0):
            arrays["g"] = np.zeros_like(params)
        return super()._state(params, **arrays)

    def _grad(self, grad: np.ndarray, state: State, params: np.ndarray) -> np.ndarray:
        """``dE/dw + weight_decay * w`` written into ``state["g"]`` (``grad`` itself without decay)."""
        if not (self.coupled_weight_decay and self.hyperparameters.get("weight_decay", 0.0)):
            return grad
        g = state["g"]
        np.multiply(params, self.weight_decay, out=g)
        g += grad
        return g


def register(cls: type[Optimizer]) -> type[Optimizer]:
    """Class decorator: make ``cls`` available as ``get(cls.name)``."""
    if not cls.name or cls.name in _REGISTRY:
        raise ValueError(f"optimizer name {cls.name!r} is empty or already registered")
    _REGISTRY[cls.name] = cls
    return cls


def available() -> list[str]:
    """Names of every registered optimizer, in registration order (simplest first)."""
    return list(_REGISTRY)


def get(name: str | Optimizer, **hyperparameters: Any) -> Optimizer:
    """Build the optimizer ``name`` with the given hyperparameters."""
    if isinstance(name, Optimizer):
        if hyperparameters:
            raise ConfigError("pass hyperparameters either to get() or to the optimizer, not both")
        return name
    check_choice("optimizer", name, list(_REGISTRY))
    return _REGISTRY[name](**hyperparameters)
