"""A fixed-size pool of training patterns with a replacement policy.

ALVINN's on-the-fly training (Pomerleau 1991, Neural Computation 3(1):88-97)
kept a buffer of 200 patterns, real and synthetic, and trained one epoch over
it every ~2 s, so the network would not over-learn the most recent images
(forget curves after a long straight).  Once the buffer is full, each new
pattern replaces an old one chosen by the policy:

- ``"balance"`` (ALVINN): the one whose removal brings the buffer's mean key
  (the steering curvature) closest to 0, i.e. slot j minimising
  |S - key_j + key_new| with S the current sum of keys;
- ``"random"``: a uniformly random slot;
- ``"fifo"``: the oldest pattern.

Nothing here is specific to driving: ``key`` is any scalar per pattern
(the balance policy keeps its mean near zero).
"""

from __future__ import annotations

import numpy as np

from .._errors import DataError, check_choice, check_range

__all__ = ["ReplayMemory", "POLICIES"]

POLICIES = ("balance", "random", "fifo")


class ReplayMemory:
    """Fixed-capacity pattern buffer ``(X, T, key)`` with a replacement policy.

    Parameters
    ----------
    capacity : int
        Number of patterns kept (200 in ALVINN).
    n_inputs, n_targets : int
        Widths of the stored input and target rows.
    policy : {"balance", "random", "fifo"}
        Which pattern a new one replaces once the buffer is full.
    random_state : int, Generator or None
        Seed for the ``random`` policy and for :meth:`batches`.

    Examples
    --------
    >>> import numpy as np
    >>> mem = ReplayMemory(3, n_inputs=2, n_targets=1, policy="balance")
    >>> mem.add(np.zeros((4, 2)), np.zeros((4, 1)), key=np.array([1.0, -1.0, 2.0, -2.0]))
    >>> len(mem), float(mem.keys.mean())
    (3, 0.0)
    """

    def __init__(self, capacity: int, n_inputs: int, n_targets: int, policy: str = "balance",
                 random_state: int | np.random.Generator | None = None, dtype: type = np.float64):
        check_range("capacity", capacity, 1, None)
        check_choice("replacement policy", policy, POLICIES)
        self.capacity, self.policy = int(capacity), policy
        self.X = np.zeros((self.capacity, int(n_inputs)), dtype)
        self.T = np.zeros((self.capacity, int(n_targets)), dtype)
        self._keys = np.zeros(self.capacity)
        self._age = np.zeros(self.capacity, dtype=np.int64)   # insertion counter of each slot
        self.size = 0
        self.n_added = 0
        self.rng = np.random.default_rng(random_state)

    def __len__(self) -> int:
        return self.size

    @property
    def full(self) -> bool:
        return self.size == self.capacity

    @property
    def keys(self) -> np.ndarray:
        """Keys of the stored patterns (a view)."""
        return self._keys[:self.size]

    @property
    def inputs(self) -> np.ndarray:
        return self.X[:self.size]

    @property
    def targets(self) -> np.ndarray:
        return self.T[:self.size]

    def slot_for(self, key: float) -> int:
        """The slot a new pattern with ``key`` goes to (the next free one until the buffer is full)."""
        if not self.full:
            return self.size
        if self.policy == "fifo":
            return int(np.argmin(self._age))
        if self.policy == "random":
            return int(self.rng.integers(self.capacity))
        return int(np.argmin(np.abs(self._keys.sum() - self._keys + key)))

    def add(self, X: np.ndarray, T: np.ndarray, key: np.ndarray | None = None) -> np.ndarray:
        """Insert patterns one by one (rows of ``X`` and ``T``); returns the slots used."""
        X, T = np.atleast_2d(X), np.atleast_2d(T)
        n = X.shape[0]
        key = np.zeros(n) if key is None else np.broadcast_to(np.asarray(key, dtype=float), (n,))
        if T.shape[0] != n or X.shape[1] != self.X.shape[1] or T.shape[1] != self.T.shape[1]:
            raise DataError(f"patterns must have shapes (n, {self.X.shape[1]}) and (n, {self.T.shape[1]}), "
                            f"got {X.shape} and {T.shape}")
        slots = np.empty(n, dtype=int)
        for i in range(n):
            j = self.slot_for(key[i])
            self.X[j], self.T[j], self._keys[j] = X[i], T[i], key[i]
            self._age[j] = self.n_added
            self.n_added += 1
            self.size = max(self.size, j + 1)
            slots[i] = j
        return slots

    def batches(self, batch_size: int, shuffle: bool = True):
        """Yield ``(X, T)`` mini-batches covering the stored patterns once (one epoch)."""
        order = self.rng.permutation(self.size) if shuffle else np.arange(self.size)
        for i in range(0, self.size, batch_size):
            idx = order[i:i + batch_size]
            yield self.X[idx], self.T[idx]
