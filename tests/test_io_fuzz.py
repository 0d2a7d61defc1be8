"""Fuzzing load_model: whatever the bytes, only ModelFileError comes out (or the intact model)."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import backprop.io as bio
from backprop import Model, ModelFileError, load_model, save_model
from test_io import make_model, rewrite

FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)


@pytest.fixture(scope="module")
def valid(tmp_path_factory):
    model, X = make_model("multiclass", seed=3)
    path = save_model(tmp_path_factory.mktemp("fuzz") / "model.bp", model)
    return path, path.read_bytes(), model.predict_proba(X), X


def load_or_refuse(path, valid, intact: bool = True) -> None:
    """load_model either refuses with ModelFileError or returns a Model.

    Unless the checksum was re-signed (``intact=False``), a model that loads
    must be the original one: damage that the checksum covers never gets through.
    """
    try:
        model = load_model(path)
    except ModelFileError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(model, Model)
    if intact:
        np.testing.assert_array_equal(model.predict_proba(valid[3]), valid[2])


@FUZZ
@given(data=st.binary(max_size=3000), prefix=st.sampled_from([b"", b"PK\x03\x04", b"\x80\x04"]))
def test_random_bytes(valid, data, prefix):
    path = valid[0].with_name("random.bp")
    path.write_bytes(prefix + data)
    load_or_refuse(path, valid)


@FUZZ
@given(flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)),
                      min_size=1, max_size=4))
def test_flipped_bytes(valid, flips):
    data = bytearray(valid[1])
    for where, mask in flips:
        data[int(where * len(data))] ^= mask
    path = valid[0].with_name("flipped.bp")
    path.write_bytes(bytes(data))
    load_or_refuse(path, valid)


@FUZZ
@given(cut=st.floats(0, 1, exclude_max=True))
def test_truncations(valid, cut):
    path = valid[0].with_name("truncated.bp")
    path.write_bytes(valid[1][:int(cut * len(valid[1]))])
    with pytest.raises(ModelFileError):
        load_model(path)


@FUZZ
@given(key=st.sampled_from(["format", "format_version", "network", "task", "classes", "loss",
                            "feature_names", "preprocessing", "target_transform", "history",
                            "arrays", "metadata"]),
       value=json_values, whole=st.booleans(), resign=st.booleans())
def test_replaced_header_json(valid, key, value, whole, resign):
    """Swap one header entry (or the whole header) for arbitrary JSON, with or without re-signing."""
    path = valid[0].with_name("header.bp")
    path.write_bytes(valid[1])

    def mutate(entries):
        header = json.loads(entries[bio.HEADER])
        header = value if whole else {**header, key: value}
        entries[bio.HEADER] = json.dumps(header).encode()

    rewrite(path, mutate, resign=resign)
    load_or_refuse(path, valid, intact=not resign)


@FUZZ
@given(entry=st.sampled_from(["arrays/network/params.npy", "arrays/preprocessing/1/mean.npy",
                              "arrays/preprocessing/0/fill.npy"]),
       data=st.binary(max_size=300), keep_header=st.booleans())
def test_replaced_array_entries(valid, entry, data, keep_header):
    """Random bytes in place of an array (re-signed), optionally behind its real .npy header."""
    path = valid[0].with_name("array.bp")
    path.write_bytes(valid[1])
    with zipfile.ZipFile(path) as zf:
        original = zf.read(entry)
    payload = (original[:128] + data) if keep_header else data
    rewrite(path, lambda e: e.update({entry: payload}))
    load_or_refuse(path, valid, intact=False)
