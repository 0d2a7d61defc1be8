"""ReplayMemory: capacity, replacement policies, epochs (docs R1.8)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop import ConfigError, DataError
from backprop.alvinn import ReplayMemory

keys_strategy = st.lists(st.floats(-0.05, 0.05, allow_nan=False), min_size=1, max_size=60)


def fill(policy, keys, capacity=10, seed=0):
    mem = ReplayMemory(capacity, n_inputs=2, n_targets=1, policy=policy, random_state=seed)
    X = np.stack([np.arange(len(keys)), np.zeros(len(keys))], axis=1).astype(float)  # X[:, 0] = id
    mem.add(X, np.asarray(keys)[:, None], key=keys)
    return mem


@settings(max_examples=40, deadline=None)
@given(keys=keys_strategy, policy=st.sampled_from(["balance", "random", "fifo"]))
def test_size_and_contents_are_consistent(keys, policy):
    mem = fill(policy, keys)
    assert len(mem) == min(len(keys), 10)
    ids = mem.inputs[:, 0].astype(int)
    assert len(set(ids)) == len(ids)                              # no pattern stored twice
    np.testing.assert_array_equal(mem.keys, np.asarray(keys)[ids])  # key travels with its pattern
    np.testing.assert_array_equal(mem.targets[:, 0], mem.keys)


@settings(max_examples=40, deadline=None)
@given(keys=keys_strategy)
def test_fifo_keeps_the_most_recent_patterns(keys):
    mem = fill("fifo", keys)
    assert sorted(mem.inputs[:, 0].astype(int)) == list(range(max(0, len(keys) - 10), len(keys)))


@settings(max_examples=40, deadline=None)
@given(old=st.lists(st.floats(-0.05, 0.05, allow_nan=False), min_size=10, max_size=10),
       new=st.floats(-0.05, 0.05, allow_nan=False))
def test_balance_chooses_the_replacement_that_minimises_the_mean(old, new):
    mem = fill("balance", old)
    before = mem.keys.copy()
    mem.add(np.zeros((1, 2)), np.zeros((1, 1)), key=[new])
    best = min(abs(before.sum() - k + new) for k in before)      # brute force over every slot
    assert abs(mem.keys.sum()) == pytest.approx(best, abs=1e-12)


def test_balance_keeps_a_biased_stream_centred(rng):
    stream = rng.normal(0.01, 0.01, 3000)                        # mostly left turns
    balanced, fifo = fill("balance", stream, 200), fill("fifo", stream, 200)
    assert abs(balanced.keys.mean()) < 1e-4 < 0.5 * abs(fifo.keys.mean())


def test_random_replacement_is_uniform_over_slots():
    mem = ReplayMemory(5, 1, 1, policy="random", random_state=1)
    mem.add(np.zeros((5, 1)), np.zeros((5, 1)))
    slots = mem.add(np.zeros((5000, 1)), np.zeros((5000, 1)))
    counts = np.bincount(slots, minlength=5)
    assert counts.min() > 900 and counts.max() < 1100           # 1000 +- 3.2 SD


def test_batches_cover_every_pattern_once(rng):
    mem = fill("fifo", list(rng.normal(size=25)), capacity=23)
    seen = np.concatenate([X[:, 0] for X, T in mem.batches(10)])
    assert sorted(seen) == sorted(mem.inputs[:, 0])
    assert [len(X) for X, _ in mem.batches(10)] == [10, 10, 3]


def test_bad_arguments():
    with pytest.raises(ConfigError, match="replacement policy"):
        ReplayMemory(10, 2, 1, policy="lifo")
    with pytest.raises(ConfigError, match="capacity"):
        ReplayMemory(0, 2, 1)
    with pytest.raises(DataError, match="shapes"):
        ReplayMemory(10, 2, 1).add(np.zeros((3, 3)), np.zeros((3, 1)))
