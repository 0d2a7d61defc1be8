"""Hostile model files: decompression bombs, sizes that lie, non-regular files, and crafted
values behind a valid checksum.  Each is refused with one line naming the problem, in memory
bounded by the model's own arrays, without blocking and without running code."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import struct
import subprocess
import sys
import zipfile
import zlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pytest

import backprop.io as bio
from backprop import ConfigError, MLPRegressor, ModelFileError, Network, load_model, save_model
from backprop.model import Model
from backprop.preprocessing import MeanImputer, Preprocessor, StandardScaler
from conftest import SRC, run_cli
from test_io import edit_header, rewrite, train_with_cli

MiB = 1 << 20
GiB = 1 << 30
ZEROS = 64 * MiB            # one deflated block of zeros, repeated to make a bomb
SLACK = 16 * MiB            # what loading may use beyond its arrays (chunks, header, zipfile)


# --- writing zip archives that lie -----------------------------------------------------
@dataclass
class Member:
    """One archive entry: the bytes as stored, and what the directory claims about them."""

    name: str
    stored: Callable[[], Iterable[bytes]]
    file_size: int
    crc: int
    method: int = zipfile.ZIP_DEFLATED


def deflated(data: bytes, name: str) -> Member:
    """An honest entry."""
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = c.compress(data) + c.flush()
    return Member(name, lambda: [raw], len(data), zlib.crc32(data))


@pytest.fixture(scope="module")
def zero_block() -> bytes:
    """Raw deflate data that inflates to ZEROS zero bytes and can be repeated (full flush)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(bytes(ZEROS)) + c.flush(zlib.Z_FULL_FLUSH)


def zeros_after(prefix: bytes, n: int, block: bytes) -> Callable[[], Iterable[bytes]]:
    """Stored bytes inflating to ``prefix`` followed by ``n`` zeros (``n`` a multiple of ZEROS)."""
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    return lambda: [head, *[block] * (n // ZEROS), b"\x03\x00"]  # \x03\x00: an empty final block


def crc_after(prefix: bytes, n: int) -> int:
    """The CRC-32 of ``prefix`` followed by ``n`` zeros."""
    crc, zeros = zlib.crc32(prefix), bytes(ZEROS)
    for _ in range(n // ZEROS):
        crc = zlib.crc32(zeros, crc)
    return crc


def write_zip(path: Path, members: list[Member]) -> Path:
    """Write the members as a zip archive (streaming), sizes and CRCs as claimed, not as true."""
    directory = []
    with open(path, "wb") as f:
        for m in members:
            offset, name = f.tell(), m.name.encode()
            f.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, m.method, 0, 0x21, m.crc, 0,
                                m.file_size & 0xFFFFFFFF, len(name), 0) + name)
            start = f.tell()
            for data in m.stored():
                f.write(data)
            size = f.tell() - start
            f.seek(offset + 18)
            f.write(struct.pack("<L", size))
            f.seek(0, 2)
            directory.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, m.method, 0, 0x21,
                                         m.crc, size, m.file_size & 0xFFFFFFFF, len(name), 0, 0, 0, 0,
                                         0, offset)
                             + name)
        start = f.tell()
        for record in directory:
            f.write(record)
        count = len(directory) & 0xFFFF  # zipfile reads the directory by its size, not its count
        f.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, f.tell() - start, start, 0))
    return path


def entries_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def signed(entries: dict[str, bytes]) -> dict[str, bytes]:
    """``entries`` with the checksum recomputed, as a forger would."""
    rest = {k: v for k, v in entries.items() if k != bio.CHECKSUM}
    return {**rest, bio.CHECKSUM: bio.checksum(rest).encode()}


def npy_bytes(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def npy_prefix(dtype: str, shape: tuple) -> bytes:
    """The .npy header of an array that is not there."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()


# --- a legitimate model of about 1 MB --------------------------------------------------
PARAMS = "arrays/network/params.npy"


@pytest.fixture(scope="module")
def legit(tmp_path_factory) -> tuple[Path, int]:
    """A ~1 MB model file and the size of its largest array."""
    net = Network([100, 1250, 1], "tanh", "identity", random_state=0)
    X = np.random.default_rng(0).normal(size=(50, 100))
    path = save_model(tmp_path_factory.mktemp("legit") / "model.bp",
                      Model(net, preprocessing=[StandardScaler().fit(X)]))
    return path, net.params.nbytes


CHILD = r"""
import sys
from pathlib import Path
import backprop.io, backprop.network, backprop.preprocessing, backprop._csv_detect
from backprop.io import ModelFileError, load_model

def status(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024

try:
    Path("/proc/self/clear_refs").write_text("5")   # reset the peak to what is resident now
except OSError:
    pass
before = status("VmRSS")
try:
    load_model(sys.argv[1])
    outcome = "loaded"
except ModelFileError as exc:
    outcome = "error: " + str(exc)
print(status("VmHWM") - before)
print(outcome)
"""


def load_in_child(path: Path) -> tuple[int, str]:
    """(peak memory growth in bytes, 'loaded' or 'error: MESSAGE') of load_model in a new process."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    r = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True,
                       timeout=120, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = r.stdout.splitlines()
    assert len(lines) == 2, r.stdout[-2000:]
    return int(lines[0]), lines[1]


linux_only = pytest.mark.skipif(not Path("/proc/self/status").exists(),
                                reason="measures memory through /proc")


def honest(entries: dict[str, bytes]) -> list[Member]:
    return [deflated(data, name) for name, data in entries.items()]


def extra_entry(name: str, entries: dict[str, bytes], block: bytes) -> list[Member]:
    """One more entry that inflates to 1 GiB of zeros."""
    return [*honest(entries), Member(name, zeros_after(b"", GiB, block), GiB, 0)]


def params_inflating_past_size(keep: bool, entries: dict[str, bytes], block: bytes) -> list[Member]:
    """The parameter entry claims the legitimate entry's size and CRC but inflates to 1 GiB more;
    first comes the legitimate array (``keep``) or zeros."""
    members = honest(entries)
    data = entries[PARAMS]
    first = data if keep else data[:128] + bytes(len(data) - 128)
    next(m for m in members if m.name == PARAMS).stored = zeros_after(first, GiB, block)
    return members


def params_declaring_more(entries: dict[str, bytes], block: bytes) -> list[Member]:
    """The parameter entry claims 1 GiB more than the header's array needs."""
    members = honest(entries)
    next(m for m in members if m.name == PARAMS).file_size += GiB
    return members


def gigantic_network(hidden: int, entries: dict[str, bytes], block: bytes) -> list[Member]:
    """The header declares a 100-``hidden``-1 network and the entry its size, but the entry
    holds a .npy header and 64 MiB of zeros (with their CRC: the stream just ends early)."""
    header = json.loads(entries[bio.HEADER])
    n = 102 * hidden + 1
    header["network"]["layer_sizes"] = [100, hidden, 1]
    header["arrays"]["network/params"]["shape"] = [n]
    members = honest(signed({**entries, bio.HEADER: json.dumps(header).encode()}))
    prefix = npy_prefix("<f8", (n,))
    m = next(m for m in members if m.name == PARAMS)
    m.stored, m.crc = zeros_after(prefix, ZEROS, block), crc_after(prefix, ZEROS)
    m.file_size = len(prefix) + 8 * n
    return members


def many_entries(entries: dict[str, bytes], block: bytes) -> list[Member]:
    """20,000 empty entries: a central directory of 1.8 MB."""
    empty = [Member(f"arrays/{'x' * 40}{i}.npy", lambda: [b""], 0, 0, zipfile.ZIP_STORED)
             for i in range(20_000)]
    return honest(entries) + empty


def json_bomb(entries: dict[str, bytes], block: bytes) -> list[Member]:
    """A header of 1.3 million empty lists in 3.7 MiB (each would cost ~70 bytes parsed)."""
    header = b'{"format": "backprop-model", "x": [' + b"[]," * 1_300_000 + b"[]]}"
    return honest(signed({**entries, bio.HEADER: header}))


BOMBS = {
    "extra 1 GiB entry": (partial(extra_entry, "bomb.bin"),
                          "unexpected entry 'bomb.bin' in the archive$"),
    "extra 1 GiB entry with an array's name": (
        partial(extra_entry, "arrays/bomb.npy"),
        "unexpected entry 'arrays/bomb.npy' in the archive \\(not in the header's array table\\)"),
    "parameter entry inflating past its size": (
        partial(params_inflating_past_size, False),
        "truncated or corrupt model file \\(Bad CRC-32 for file 'arrays/network/params.npy'\\)"),
    # zipfile stops at the declared size: the legitimate model loads, the rest is never inflated
    "legitimate entry followed by 1 GiB": (partial(params_inflating_past_size, True), "^loaded$"),
    "parameter entry declaring 1 GiB more": (
        params_declaring_more,
        "says it holds 1074\\d+ bytes, but the header's <f8\\[127501\\] needs 1020008 plus a "
        ".npy header"),
    "header declaring a 2 GiB array": (
        partial(gigantic_network, 2_700_000),
        "ends after 67108992 of its 2203200136 bytes|more than this machine's"),
    "header declaring a 2 PiB array": (
        partial(gigantic_network, 2 ** 48 // 102),
        "the model's arrays need 2048.0 TiB, more than this machine's \\d+\\.\\d [GT]iB of memory"),
    "20,000 entries": (many_entries, "the archive's directory is larger than 1 MiB"),
    "header of a million JSON lists": (json_bomb, "the header holds more than 400000 JSON values"),
}


@linux_only
@pytest.mark.parametrize("kind", list(BOMBS))
def test_bombs_are_refused_in_bounded_memory(legit, zero_block, tmp_path, kind):
    """A ~1 MB file that inflates to 1 GiB or more costs no more than twice its real array."""
    build, message = BOMBS[kind]
    path, largest = legit
    bomb = write_zip(tmp_path / "bomb.bp", build(entries_of(path), zero_block))
    assert bomb.stat().st_size < 8 * MiB  # small files, huge claims
    grew, outcome = load_in_child(bomb)
    print(f"{kind}: {bomb.stat().st_size / MiB:.1f} MiB file, peak memory +{grew / MiB:.1f} MiB")
    assert re.search(message, outcome), outcome
    assert grew <= 2 * largest + SLACK, f"{kind}: loading grew by {grew / MiB:.0f} MiB"


@linux_only
def test_a_legitimate_model_loads_in_the_memory_of_its_arrays(legit, tmp_path):
    path, largest = legit
    grew, outcome = load_in_child(path)
    print(f"legitimate: {path.stat().st_size / MiB:.1f} MiB file, {largest / MiB:.1f} MiB of "
          f"parameters, peak memory +{grew / MiB:.1f} MiB")
    assert outcome == "loaded"
    assert grew <= 2 * largest + SLACK


# --- files that are not regular files ---------------------------------------------------
@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, Path]:
    return train_with_cli(tmp_path_factory.mktemp("trained"))


def one_line_error(r: subprocess.CompletedProcess, match: str) -> None:
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("backprop predict: error: "), r.stderr
    assert re.search(match, r.stderr), r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking(trained, tmp_path):
    fifo = tmp_path / "model.bp"
    os.mkfifo(fifo)
    one_line_error(run_cli("predict", fifo, trained[1], timeout=60),
                   "is a FIFO \\(named pipe\\), not a model file")
    with pytest.raises(ModelFileError, match="is a FIFO"):
        load_model(fifo)


@pytest.mark.parametrize("kind", ["directory", "character device", "socket"])
def test_other_non_regular_files_are_refused(tmp_path, kind):
    if kind == "directory":
        path = tmp_path
    elif kind == "character device":
        path = Path("/dev/zero")
        if not path.exists():
            pytest.skip("no /dev/zero")
    else:
        if not hasattr(socket, "AF_UNIX"):
            pytest.skip("no Unix sockets")
        path = tmp_path / "model.bp"
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
    with pytest.raises(ModelFileError, match=f"is a {kind}, not a model file") as info:
        load_model(path)
    assert "\n" not in str(info.value)


# --- crafted values behind a valid checksum ---------------------------------------------
def set_field(dotted: str, value):
    """A header edit setting ``a.b.0.c`` to ``value`` (list indices as numbers)."""
    def edit(header):
        *parents, last = dotted.split(".")
        obj = header
        for p in parents:
            obj = obj[int(p)] if isinstance(obj, list) else obj[p]
        obj[int(last) if isinstance(obj, list) else last] = value
    return edit_header(edit)


def map_array(key: str, f) -> Callable[[dict], None]:
    """An edit replacing array ``key`` by ``f(array)``, the header's table kept consistent."""
    def mutate(entries):
        name = bio.array_entry(key)
        a = np.asarray(f(np.load(io.BytesIO(entries[name]))))
        entries[name] = npy_bytes(a)
        header = json.loads(entries[bio.HEADER])
        header["arrays"][key] = {"dtype": a.dtype.str, "shape": list(a.shape)}
        entries[bio.HEADER] = json.dumps(header).encode()
    return mutate


def both(*mutations):
    def mutate(entries):
        for m in mutations:
            m(entries)
    return mutate


def with_value(a: np.ndarray, index: int, value: float) -> np.ndarray:
    a = a.copy()
    a.flat[index] = value
    return a


CRAFTED = {
    # the CLI's record of how the training CSV was read
    "delimiter of two characters": (set_field("metadata.csv.delimiter", "ab"),
                                    "metadata.csv.delimiter must be one character"),
    "delimiter a quote": (set_field("metadata.csv.delimiter", '"'), "metadata.csv.delimiter must be"),
    "delimiter a number": (set_field("metadata.csv.delimiter", 5), "metadata.csv.delimiter must be"),
    "columns a number": (set_field("metadata.csv.columns", 5),
                         "metadata.csv.columns must be a list of distinct column names, got 5"),
    "columns repeated": (set_field("metadata.csv.columns", ["a", "a", "label"]),
                         "metadata.csv.columns must be a list of distinct"),
    "a column short": (set_field("metadata.csv.columns", ["colour", "a", "label"]),
                       "metadata.csv describes 4 input column\\(s\\) .* the model takes 5"),
    "categories not lists": (set_field("metadata.csv.categories", {"a": 5}),
                             "metadata.csv.categories must be an object mapping column names"),
    "categories empty": (set_field("metadata.csv.categories", {"colour": []}),
                         "metadata.csv.categories must be"),
    "categories of an unknown column": (set_field("metadata.csv.categories", {"nope": ["x"]}),
                                        "metadata.csv.categories names 'nope', which is not an input"),
    "drop not a list": (set_field("metadata.csv.drop", "id"), "metadata.csv.drop must be a list"),
    "drop of an unknown column": (set_field("metadata.csv.drop", ["nope"]),
                                  "metadata.csv.drop names 'nope', which is not an input"),
    "drop of the target": (set_field("metadata.csv.drop", ["label"]), "metadata.csv.drop names 'label'"),
    "categories of the target": (set_field("metadata.csv.categories", {"label": ["x"]}),
                                 "metadata.csv.categories names 'label'"),
    "a category short": (set_field("metadata.csv.categories", {"colour": ["blue", "red"]}),
                         "metadata.csv describes 4 input column"),
    "csv target a number": (set_field("metadata.csv.target", 7), "metadata.csv.target must be a column"),
    "csv target unknown": (set_field("metadata.csv.target", "zzz"),
                           "metadata.csv.target 'zzz' is not one of metadata.csv.columns"),
    "header a word": (set_field("metadata.csv.header", "yes"),
                      "metadata.csv.header must be true, false or 'auto', got 'yes'"),
    "missing a number": (set_field("metadata.csv.missing", 5), "metadata.csv.missing must be a list"),
    "csv a list": (set_field("metadata.csv", []), "metadata.csv must be an object"),
    "target a list": (set_field("metadata.target", ["a"]), "metadata.target must be a column name"),
    "n_iter negative": (set_field("metadata.n_iter", -1), "metadata.n_iter must be a non-negative"),
    "params a number": (set_field("metadata.params", 5), "metadata.params must be an object"),
    # the model's own fields
    "feature names short": (set_field("feature_names", ["a"]), "got 1 feature names for 5 raw inputs"),
    "feature names a number": (set_field("feature_names", 5), "'feature_names' must be a list"),
    "class label a list": (set_field("classes", [["no"], "yes"]),
                           "class labels must be strings or finite numbers"),
    "class label NaN": (set_field("classes", [float("nan"), "yes"]), "strings or finite numbers"),
    "class labels repeated": (set_field("classes", ["no", "no"]), "class labels must be distinct"),
    "loss unknown": (set_field("loss", "nonsense"), "loss: unknown loss 'nonsense'"),
    "init unknown": (set_field("network.init", "evil"), "network: unknown init 'evil'"),
    # transformer settings
    "n_features_in wrong": (set_field("preprocessing.1.config.n_features_in", 3),
                            "preprocessing\\[1\\]: StandardScaler.mean_ has shape \\(5,\\); with "
                            "n_features_in=3 it must be \\(3,\\)"),
    "n_features_in a word": (set_field("preprocessing.1.config.n_features_in", "x"),
                             "StandardScaler n_features_in must be a positive integer, got 'x'"),
    "params not an object": (set_field("preprocessing.1.config.params", 5),
                             "StandardScaler params must be an object, got 5"),
    "flag a word": (set_field("preprocessing.1.config.params.with_mean", "yes"),
                    "with_mean must be True or False, got 'yes'"),
    "unknown parameter": (set_field("preprocessing.1.config.params.evil", 1),
                          "StandardScaler has no parameter 'evil'"),
    "not fitted": (set_field("preprocessing.1.config.fitted", False),
                   "preprocessing\\[1\\] \\(StandardScaler\\) is not fitted"),
    "fitted a word": (set_field("preprocessing.1.config.fitted", "yes"), "fitted must be true or false"),
    "type swapped": (set_field("preprocessing.1.config.type", "MinMaxScaler"),
                     "state of a 'MinMaxScaler' cannot build a StandardScaler"),
    "sentinel a word": (set_field("preprocessing.0.config.params.missing_values", "x"),
                        "missing_values must be NaN or a finite number, got 'x'"),
    "indicator flag a number": (set_field("preprocessing.0.config.params.add_indicator", 1),
                                "add_indicator must be True or False"),
    "feature_names_in short": (set_field("preprocessing.0.config.feature_names_in", ["a"]),
                               "MeanImputer feature_names_in must be 5 column names"),
    # transformer arrays and parameters
    "scaler mean of the wrong length": (map_array("preprocessing/1/mean_", lambda a: a[:3]),
                                        "StandardScaler.mean_ has shape \\(3,\\); with "
                                        "n_features_in=5 it must be \\(5,\\)"),
    "scaler mean 2-D": (map_array("preprocessing/1/mean_", lambda a: a[:, None]),
                        "StandardScaler.mean_ has shape \\(5, 1\\)"),
    "scaler mean as text": (map_array("preprocessing/1/mean_", lambda a: a.astype("U3")),
                            "StandardScaler.mean_ has dtype <U3; expected float"),
    "scaler scale infinite": (map_array("preprocessing/1/scale_", lambda a: with_value(a, 2, np.inf)),
                              "StandardScaler.scale_ holds NaN or infinity"),
    "scaler scale negative": (map_array("preprocessing/1/scale_", lambda a: -a),
                              "StandardScaler.scale_ must be positive"),
    "imputed column out of range": (map_array("preprocessing/0/columns_", lambda a: a * 3),
                                    "MeanImputer.columns_ must be increasing column indices in 0..4"),
    "imputed columns as floats": (map_array("preprocessing/0/columns_", lambda a: a.astype(float)),
                                  "MeanImputer.columns_ has dtype float64; expected integer"),
    "imputer mean NaN": (map_array("preprocessing/0/statistics_", lambda a: with_value(a, 0, np.nan)),
                         "MeanImputer.statistics_ holds NaN or infinity"),
    "NaN weights": (map_array("network/params", lambda a: a * np.nan),
                    "the network's parameters hold NaN in layer 1's W\\[0, 0\\]; such a model cannot"),
    "one infinite bias": (map_array("network/params", lambda a: with_value(a, -1, -np.inf)),
                          "the network's parameters hold infinity in layer 2's b\\[0\\]"),
    "array of a dtype numpy lacks": (set_field("arrays.network/params.dtype", "<u3"),
                                     "invalid entry 'network/params' in the header's array table "
                                     "\\(dtype <u3\\)"),
    "array of objects in the table": (set_field("arrays.preprocessing/1/mean_.dtype", "|O"),
                                      "invalid entry 'preprocessing/1/mean_' in the header's array"),
    "parameters of another precision": (map_array("network/params", lambda a: a.astype(">f4")),
                                        "the parameters are stored as >f4, but the network's "
                                        "dtype is float64"),
}
VIA_CLI = ["delimiter of two characters", "columns a number", "categories not lists",
           "scaler mean of the wrong length", "NaN weights", "class label a list"]


@pytest.mark.parametrize("case", list(CRAFTED))
def test_crafted_values_are_refused_naming_the_field(trained, tmp_path, case):
    mutate, match = CRAFTED[case]
    path = tmp_path / "crafted.bp"
    path.write_bytes(trained[0].read_bytes())
    rewrite(path, mutate)              # re-signed: the checksum holds
    with pytest.raises(ModelFileError, match=match) as info:
        load_model(path)
    assert "\n" not in str(info.value) and str(info.value).startswith(f"{path}: ")


@pytest.mark.parametrize("case", VIA_CLI)
def test_crafted_values_end_predict_with_one_line(trained, tmp_path, case):
    mutate, match = CRAFTED[case]
    path = tmp_path / "crafted.bp"
    path.write_bytes(trained[0].read_bytes())
    rewrite(path, mutate)
    one_line_error(run_cli("predict", path, trained[1]), match)


def test_big_endian_arrays_load_in_native_byte_order(trained, tmp_path):
    """A model written on a big-endian machine predicts the same."""
    model, data = trained
    path = tmp_path / "big-endian.bp"
    path.write_bytes(model.read_bytes())
    for key in ("network/params", "preprocessing/1/mean_", "preprocessing/0/columns_"):
        rewrite(path, map_array(key, lambda a: a.astype(a.dtype.newbyteorder(">"))))
    with zipfile.ZipFile(path) as zf:
        assert np.load(io.BytesIO(zf.read(PARAMS))).dtype.str == ">f8"
    a, b = load_model(model), load_model(path)
    assert b.network.params.dtype.isnative and b.preprocessing[1].mean_.dtype.isnative
    np.testing.assert_array_equal(a.network.params, b.network.params)
    X = np.random.default_rng(1).normal(size=(20, 5))
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert run_cli("predict", path, data).stdout == run_cli("predict", model, data).stdout


@pytest.mark.filterwarnings("ignore:Training stopped")
def test_every_builtin_transformer_checks_its_arrays(tmp_path):
    """Target scaler, constant-column remover and chains refuse arrays that do not fit."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 4)), rng.normal(size=40)
    X[:, 2] = 1.0
    X[rng.random(X.shape) < 0.1] = np.nan
    est = MLPRegressor((3,), max_iter=3, impute="mean", target_scale="standard", random_state=0).fit(X, y)
    model = est.to_model()
    from backprop.preprocessing import ConstantColumnRemover, MinMaxScaler
    chain = Preprocessor([MeanImputer(add_indicator=True), ConstantColumnRemover(), MinMaxScaler()]).fit(X)
    model = Model(Network([chain.n_features_out_, 3, 1], random_state=0), preprocessing=[chain],
                  target_transform=model.target_transform)
    path = save_model(tmp_path / "chain.bp", model)
    np.testing.assert_array_equal(load_model(path).predict(X), model.predict(X))
    cases = [
        (map_array("target_transform/scale_", lambda a: a * 0), "TargetScaler.scale_ holds a zero"),
        (map_array("target_transform/offset_", lambda a: a[:0]), "TargetScaler.offset_ has shape \\(0,\\)"),
        (set_field("target_transform.config.params.method", "evil"), "unknown target scaling method"),
        (map_array("preprocessing/0/steps.1.keep_", lambda a: a & False), "keep_ keeps no column"),
        (map_array("preprocessing/0/steps.1.keep_", lambda a: a.astype(int)),
         "keep_ has dtype int64; expected bool"),
        (map_array("preprocessing/0/steps.1.constant_values_", lambda a: np.append(a, 1.0)),
         "ConstantColumnRemover.constant_values_ has shape \\(2,\\)"),
        (map_array("preprocessing/0/steps.0.indicator_features_", lambda a: a[::-1] * 7),
         "MeanImputer.indicator_features_ must be increasing imputed columns"),
        (map_array("preprocessing/0/steps.2.scale_", lambda a: a * 0), "MinMaxScaler.scale_ holds a zero"),
        (map_array("preprocessing/0/steps.2.data_min_", lambda a: a + 100), "data_min_ exceeds data_max_"),
        (set_field("preprocessing.0.config.steps.2.n_features_in", 9),
         "Preprocessor step 2: MinMaxScaler.data_min_ has shape \\(7,\\); with n_features_in=9"),
        (set_field("preprocessing.0.config.steps", 5), "Preprocessor steps must be a list of objects"),
        (set_field("preprocessing.0.config.steps.1.type", "Evil"),
         "Preprocessor step 1: unknown transformer 'Evil'"),
        (set_field("preprocessing.0.config.n_features_in", 3),
         "Preprocessor step 0 \\(MeanImputer\\) was fitted on 4"),
        (both(set_field("target_transform.config.n_features_in", 2),
              *[map_array(f"target_transform/{a}", lambda a: np.append(a, a))
                for a in ("offset_", "scale_")]),
         "target_transform \\(TargetScaler\\) was fitted on 2 columns but gets 1"),
    ]
    original = path.read_bytes()
    for mutate, match in cases:
        path.write_bytes(original)
        rewrite(path, mutate)
        with pytest.raises(ModelFileError, match=match):
            load_model(path)


def test_save_refuses_what_load_would_refuse(tmp_path):
    net = Network([2, 2, 1], random_state=0)
    net.params[4] = np.nan
    with pytest.raises(ConfigError, match="hold NaN in layer 1's b\\[0\\]; a model file holds finite"):
        save_model(tmp_path / "nan.bp", Model(net))
    net.params[4] = 0.0
    with pytest.raises(ConfigError, match="header would be 5.0 MiB .* most of it is the model's metadata"):
        save_model(tmp_path / "long.bp", Model(net, metadata={"note": "x" * (5 * MiB)}))
    with pytest.raises(ConfigError, match="is not fitted"):
        Model(net, preprocessing=[StandardScaler()])
    assert list(tmp_path.iterdir()) == []
