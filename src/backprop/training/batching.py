"""How an epoch is cut into iterations.

An *epoch* is one pass over the training set; an *iteration* is one update
of the parameters from one batch.  With n samples and batch size B an epoch
has ceil(n / B) iterations: 1000 samples with B = 100 give 10 iterations;
1000 with B = 300 give 4, the last holding the remaining 100 samples (its
loss is averaged over its own 100 samples under ``reduction="mean"``).
``drop_last=True`` drops that partial batch instead (floor(n / B)
iterations).  B = 1 is online (stochastic) learning, B = n (or ``None``)
is batch learning.

The order is a fresh permutation of the sample indices from the trainer's
seeded generator at the start of every epoch (``shuffle=False`` keeps the
data order), so a seed reproduces the run exactly.
"""

from __future__ import annotations

import numpy as np

from .._errors import ConfigError


def resolve_batch_size(batch_size: int | str | None, n_samples: int) -> int:
    """Batch size as an int in [1, n]: ``None`` or ``"full"`` means the whole set."""
    if batch_size is None or batch_size == "full":
        return n_samples
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ConfigError(f"batch_size must be a positive integer or 'full', got {batch_size!r}")
    return int(min(batch_size, n_samples))


def iterations_per_epoch(n_samples: int, batch_size: int, drop_last: bool = False) -> int:
    """ceil(n / B), or floor(n / B) with ``drop_last`` (at least 1)."""
    full, rest = divmod(n_samples, batch_size)
    return max(1, full if drop_last or rest == 0 else full + 1)


def epoch_batches(n_samples: int, batch_size: int, rng: np.random.Generator | None,
                  shuffle: bool = True, drop_last: bool = False) -> list[np.ndarray]:
    """Index arrays, one per iteration of one epoch (draws one permutation from ``rng``)."""
    order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
    k = iterations_per_epoch(n_samples, batch_size, drop_last)
    return [order[i * batch_size:(i + 1) * batch_size] for i in range(k)]


def draw_order(rng: "np.random.Generator | list[np.random.Generator]", n_samples: int,
               batch_size: int, shuffle: bool = True,
               drop_last: bool = False) -> tuple[np.ndarray, int]:
    """One epoch's sample order (its batches back to back) and its number of batches.

    ``rng`` is the trainer's generator, or a list of K (K networks at once): each draws
    its own order, ``(K, n)``; without shuffling they share the data order, ``(n,)``.
    """
    if not isinstance(rng, list) or not shuffle:  # without shuffling nothing is drawn
        batches = epoch_batches(n_samples, batch_size, None if isinstance(rng, list) else rng,
                                shuffle, drop_last)
        return np.concatenate(batches), len(batches)
    k = iterations_per_epoch(n_samples, batch_size, drop_last)
    return np.stack([r.permutation(n_samples)[:k * batch_size] for r in rng]), k
