"""Model bundle and model files: exact round trips, and a clear refusal for every bad file."""

from __future__ import annotations

import io
import json
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

import backprop.io as bio
from backprop import ConfigError, Model, ModelFileError, Network, load_model, save_model
from backprop._modelfile import checksum
from conftest import run_cli


# --- small transformers following the preprocessing protocol ------------------------
class Scaler:
    """x -> (x - mean) / scale, column-wise."""

    def __init__(self, mean, scale):
        self.mean, self.scale = np.asarray(mean, float), np.asarray(scale, float)

    @classmethod
    def fit(cls, X):
        X = np.asarray(X, float)
        return cls(np.nanmean(X, axis=0), np.nanstd(X, axis=0) + 0.5)

    def to_state(self):
        return {"note": "test"}, {"mean": self.mean, "scale": self.scale}

    @classmethod
    def from_state(cls, config, arrays):
        assert config == {"note": "test"}
        return cls(arrays["mean"], arrays["scale"])

    def transform(self, X):
        return (np.asarray(X, float) - self.mean) / self.scale

    def inverse_transform(self, Y):
        return np.asarray(Y, float) * self.scale + self.mean

    def export_ops(self):
        return [("affine", {"offset": self.mean, "scale": 1.0 / self.scale})]


class Imputer:
    """NaN -> the column's fill value."""

    def __init__(self, fill):
        self.fill = np.asarray(fill, float)

    def to_state(self):
        return {}, {"fill": self.fill}

    @classmethod
    def from_state(cls, config, arrays):
        return cls(arrays["fill"])

    def transform(self, X):
        X = np.array(X, float)
        return np.where(np.isnan(X), self.fill, X)

    def export_ops(self):
        return [("impute", {"value": self.fill})]


bio.register_transformer(Scaler, "test_scaler")
bio.register_transformer(Imputer, "test_imputer")


def make_model(kind: str, dtype=np.float64, seed: int = 0, hidden: str = "tanh",
               out: str | None = None) -> tuple[Model, np.ndarray]:
    """A model of one of three kinds, and raw inputs for it (with NaNs where imputed)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(2.0, 3.0, size=(40, 4))
    if kind == "multiclass":
        net = Network([4, 6, 3], hidden, out or "softmax", random_state=seed, dtype=dtype)
        model = Model(net, "classification", ["setosa", "versicolor", "virginica"],
                      "cross_entropy", [Imputer(np.full(4, 1.5)), Scaler.fit(X)],
                      feature_names=["a", "b", "c", "d"])
        X[rng.random(X.shape) < 0.1] = np.nan
    elif kind == "binary":
        net = Network([4, 5, 1], hidden, out or "sigmoid", random_state=seed, dtype=dtype)
        model = Model(net, "classification", [-1, 1], "binary_cross_entropy", [Scaler.fit(X)])
    else:
        net = Network([4, 5, 2], hidden, out or "identity", random_state=seed, dtype=dtype)
        model = Model(net, "regression", None, "squared_error", [Scaler.fit(X)],
                      target_transform=Scaler([10.0, -3.0], [2.0, 0.25]))
    model.history = {"loss": [1.5, 0.75, float("nan")], "epoch": [1, 2, 3]}
    model.metadata = {"seed": np.int64(seed), "summary": {"epochs": 3, "final_loss": np.float32(0.5)}}
    return model, X


KINDS = ["multiclass", "binary", "regression"]


@pytest.fixture
def saved(tmp_path):
    model, X = make_model("multiclass")
    return save_model(tmp_path / "m.bp", model), model, X


def rewrite(path: Path, mutate, resign: bool = True) -> None:
    """Apply ``mutate(entries)`` to a model file's entries; re-sign the checksum if asked."""
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    mutate(entries)
    if resign:
        entries[bio.CHECKSUM] = checksum({k: v for k, v in entries.items()
                                          if k != bio.CHECKSUM}).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)


def train_with_cli(tmp: Path) -> tuple[Path, Path]:
    """A model written by ``backprop train`` (a one-hot column, mean imputation, scaling: the CSV
    spec in its metadata, MeanImputer and StandardScaler), and the 60-row CSV it was trained on."""
    rng = np.random.default_rng(0)
    rows = ["colour,a,b,label"] + [
        f"{['red', 'green', 'blue'][i % 3]},{'' if i % 7 == 0 else round(rng.normal(), 3)},"
        f"{round(rng.normal() + i % 2, 3)},{'yes' if i % 2 else 'no'}" for i in range(60)]
    data, model = tmp / "data.csv", tmp / "model.bp"
    data.write_text("\n".join(rows) + "\n")
    r = run_cli("train", data, "--target", "label", "--one-hot", "--impute", "mean", "--scale",
                "standard", "--hidden", "3", "--epochs", "5", "--seed", "0", "--out", model, "-q")
    assert r.returncode == 0, r.stderr
    return model, data


def edit_header(edit):
    def mutate(entries):
        header = json.loads(entries[bio.HEADER])
        edit(header)
        entries[bio.HEADER] = json.dumps(header).encode()
    return mutate


# --- the Model bundle ----------------------------------------------------------------
def test_model_predictions_follow_the_pipeline():
    model, X = make_model("multiclass")
    scaler = model.preprocessing[1]
    Z = model.network.forward((np.where(np.isnan(X), 1.5, X) - scaler.mean) / scaler.scale)
    np.testing.assert_array_equal(model.forward(X), Z)
    np.testing.assert_array_equal(model.predict(X), np.asarray(model.classes)[Z.argmax(axis=1)])
    np.testing.assert_array_equal(model.predict_proba(X), Z)
    np.testing.assert_allclose(model.network.layers[-1].activation(model.decision_function(X)), Z)

    binary, Xb = make_model("binary")
    z = binary.forward(Xb)[:, 0]
    np.testing.assert_array_equal(binary.predict(Xb), np.where(z >= 0.5, 1, -1))
    np.testing.assert_array_equal(binary.predict_proba(Xb), np.column_stack([1 - z, z]))

    reg, Xr = make_model("regression")
    np.testing.assert_allclose(reg.predict(Xr), reg.forward(Xr) * [2.0, 0.25] + [10.0, -3.0])
    assert reg.score(Xr, reg.predict(Xr)) == 1.0


@pytest.mark.parametrize("kwargs, match", [
    (dict(task="classification", classes=[0, 1]), "needs 3 class labels"),
    (dict(task="classification", classes=[0, 0, 1]), "distinct"),
    (dict(task="clustering"), "unknown task"),
    (dict(task="regression", classes=[0, 1, 2]), "only for classification"),
    (dict(feature_names=["a"]), "1 feature names for 4"),
])
def test_model_rejects_inconsistent_settings(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        Model(Network([4, 3, 3]), **kwargs)
    with pytest.raises(ConfigError, match="predict_proba needs a classification model"):
        Model(Network([4, 1])).predict_proba(np.zeros((1, 4)))


# --- round trips ---------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", KINDS)
def test_round_trip_predicts_identically(tmp_path, kind, dtype):
    model, X = make_model(kind, dtype)
    loaded = load_model(save_model(tmp_path / "model.bp", model))
    assert loaded.network.params.dtype == dtype
    np.testing.assert_array_equal(loaded.network.params, model.network.params)
    assert loaded.network.activations == model.network.activations
    for method in ("forward", "decision_function", "predict"):
        a, b = getattr(model, method)(X), getattr(loaded, method)(X)
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    assert [type(c) for c in loaded.classes or []] == [type(c) for c in model.classes or []]
    assert (loaded.task, loaded.classes, loaded.loss, loaded.feature_names) == \
        (model.task, model.classes, model.loss, model.feature_names)
    assert loaded.metadata == {"seed": 0, "summary": {"epochs": 3, "final_loss": 0.5}}
    assert loaded.history["epoch"] == [1, 2, 3] and np.isnan(loaded.history["loss"][2])
    # views into the flat vector survive loading
    assert all(np.shares_memory(layer.W, loaded.network.params) for layer in loaded.network.layers)


def test_saving_non_json_metadata_or_unregistered_transformer_fails_cleanly(tmp_path):
    model, _ = make_model("binary")
    model.metadata = {"callback": print}
    with pytest.raises(ConfigError, match="not JSON-serialisable"):
        save_model(tmp_path / "m.bp", model)
    model.metadata = {}
    model.preprocessing = [object()]
    with pytest.raises(ConfigError, match="not registered"):
        save_model(tmp_path / "m.bp", model)
    assert list(tmp_path.iterdir()) == []


# --- atomic writes ---------------------------------------------------------------------
def test_failed_write_leaves_old_file_intact_and_no_temp_file(saved, monkeypatch):
    path, model, X = saved
    before = path.read_bytes()
    other, _ = make_model("multiclass", seed=7)

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space"):
        save_model(path, other)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["m.bp"]
    np.testing.assert_array_equal(load_model(path).predict(X), model.predict(X))
    save_model(path, other)  # a successful overwrite replaces it
    np.testing.assert_array_equal(load_model(path).network.params, other.network.params)


def test_files_are_deterministic_and_get_normal_permissions(tmp_path):
    model, _ = make_model("regression")
    a, b = save_model(tmp_path / "a.bp", model), save_model(tmp_path / "b.bp", model)
    assert a.read_bytes() == b.read_bytes()
    umask = os.umask(0o022)
    os.umask(umask)
    assert a.stat().st_mode & 0o777 == 0o666 & ~umask


# --- refusals --------------------------------------------------------------------------
def _refused(path: Path, match: str) -> str:
    with pytest.raises(ModelFileError, match=match) as info:
        load_model(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return message


@pytest.mark.parametrize("content", [
    b"", b"\x00" * 100, np.random.default_rng(0).bytes(2000),
    b"sepal_length,sepal_width,label\n5.1,3.5,setosa\n",
])
def test_refuses_files_that_are_not_models(tmp_path, content):
    path = tmp_path / "x.bp"
    path.write_bytes(content)
    _refused(path, "not a backprop model file")


def test_refuses_other_zip_archives_and_npz_files(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, a=np.arange(3.0))
    _refused(path, "not a backprop model file")
    np.savez(path, a=np.array([{"x": 1}], dtype=object))
    _refused(path, "not a backprop model file")


class Evil:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (Path.touch, (Path(self.target),))


def test_refuses_raw_pickles_without_running_them(tmp_path):
    flag = tmp_path / "pwned"
    path = tmp_path / "model.bp"
    path.write_bytes(pickle.dumps(Evil(flag)))
    _refused(path, "pickle")
    assert not flag.exists()


def test_refuses_object_arrays_inside_a_signed_model_file(saved, tmp_path):
    path, _, _ = saved
    flag = tmp_path / "pwned"
    buf = io.BytesIO()
    np.save(buf, np.array([Evil(flag)], dtype=object), allow_pickle=True)

    def plant(entries, size=None):  # padded to the size the header implies, so its .npy header is read
        name = "arrays/network/params.npy"
        entries[name] = buf.getvalue().ljust(size or len(entries[name]), b"\0")

    original = path.read_bytes()
    rewrite(path, plant)
    _refused(path, "Python objects")
    path.write_bytes(original)
    rewrite(path, lambda e: plant(e, len(buf.getvalue())))
    _refused(path, "says it holds")
    assert not flag.exists()


def test_refuses_tampered_files(saved):
    path, _, _ = saved
    original = path.read_bytes()
    rewrite(path, edit_header(lambda h: h["network"].update(activations=["relu", "softmax"])),
            resign=False)
    _refused(path, "checksum mismatch")

    def scale_params(entries):
        a = np.load(io.BytesIO(entries["arrays/network/params.npy"]))
        buf = io.BytesIO()
        np.save(buf, a * 1.01)
        entries["arrays/network/params.npy"] = buf.getvalue()

    path.write_bytes(original)
    rewrite(path, scale_params, resign=False)
    _refused(path, "checksum mismatch")


def test_refuses_truncated_files(saved):
    path, _, _ = saved
    data = path.read_bytes()
    for cut in (5, 30, len(data) // 3, len(data) // 2, len(data) - 30, len(data) - 1):
        path.write_bytes(data[:cut])
        _refused(path, "truncated or corrupt|not a backprop")


@pytest.mark.parametrize("version, match", [
    (2, "format version 2 is newer than this backprop supports \\(1\\); upgrade"),
    (0, "unknown format version 0"), ("1", "unknown format version '1'"),
])
def test_refuses_unknown_format_versions(saved, version, match):
    path, _, _ = saved
    rewrite(path, edit_header(lambda h: h.update(format_version=version)))
    _refused(path, match)


@pytest.mark.parametrize("mutate, match", [
    (lambda e: e.pop("arrays/network/params.npy"), "'arrays/network/params.npy' is missing"),
    (lambda e: e.pop("arrays/preprocessing/1/mean.npy"), "is missing"),
    (lambda e: e.update({"arrays/extra.npy": b"x"}), "unexpected entry"),
    (edit_header(lambda h: h.pop("task")), "'task' entry is missing"),
    (edit_header(lambda h: h["network"].update(layer_sizes=[4, 7, 3])),
     "needs 59 parameters, the file holds shape \\[51\\]"),
    (edit_header(lambda h: h["network"].update(layer_sizes=[4, 6])), "invalid activations"),
    (edit_header(lambda h: h["network"].update(dtype="float16")), "invalid network dtype"),
    (edit_header(lambda h: h["network"].update(activations=["softmax", "softmax"])),
     "softmax is only available as the output"),
    (edit_header(lambda h: h["network"].update(activations=["tanh", "swish"])),
     "unknown activation 'swish'"),
    (edit_header(lambda h: h["arrays"]["network/params"].update(shape=[50])),
     "needs 51 parameters"),
    (edit_header(lambda h: h["arrays"]["network/params"].update(dtype="<f4")),
     "stored as <f4, but the network's dtype is float64"),
    (edit_header(lambda h: h.update(classes=["a", "b"])), "needs 3 class labels"),
    (edit_header(lambda h: h["preprocessing"][0].update(name="pickle_loader")),
     "unknown transformer 'pickle_loader'"),
    (edit_header(lambda h: h.update(history={"loss": ["x"]})), "history must map"),
    (lambda e: e.update({bio.HEADER: b"{not json"}), "not valid UTF-8 JSON"),
])
def test_refuses_inconsistent_signed_files(saved, mutate, match):
    path, _, _ = saved
    rewrite(path, mutate)
    _refused(path, match)


def test_refuses_a_missing_checksum(saved):
    path, _, _ = saved
    rewrite(path, lambda e: e.pop(bio.CHECKSUM), resign=False)
    _refused(path, "checksum entry checksum.sha256 is missing")
