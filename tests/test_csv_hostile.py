"""Hostile and careless CSV input (issue 12, items 4-6): stray quotes, huge cells, identifier
columns under one-hot, devices and endless pipes, huge integer targets, warnings on the CLI.

Each case ends in one clear line (exit 1 or 2 from the CLI) or reads correctly; memory-bound
cases are refused before the memory is allocated (tracemalloc for the library, an address-space
limit for the CLI, so that a regression fails instead of exhausting the machine)."""

from __future__ import annotations

import os
import pty
import resource
import socket
import subprocess
import sys
import threading
import tracemalloc

import numpy as np
import pytest

from backprop import DataError, csvio
from backprop import _csv_detect as detect
from backprop.commands import _tabular as tab
from backprop.csvio import read_csv

from conftest import SRC, run_cli

GIB = 1 << 30


def one_line(exc_info, limit: int = 400) -> str:
    msg = str(exc_info.value)
    assert msg and "\n" not in msg and len(msg) < limit, msg[:500]
    return msg


def table_text(n_rows: int = 400, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    lines = ["a,b,c,label"]
    for i in range(n_rows):
        a, b, c = rng.normal(size=3)
        lines.append(f"{a:.4f},{b:.4f},{c:.4f},{'yes' if i % 2 else 'no'}")
    return lines


def write(tmp_path, lines, name="data.csv"):
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n")
    return p


def stray_quote(tmp_path, line: int = 32, close: int | None = None):
    """The 400-row file with a quote opened at the last cell of file line ``line``."""
    lines = table_text()
    lines[line - 1] = lines[line - 1].rsplit(",", 1)[0] + ',"' + lines[line - 1].rsplit(",", 1)[1]
    if close is not None:
        lines[close - 1] += '"'
    return write(tmp_path, lines)


def run_limited(*args, input=None, cwd=None, limit=2 * GIB, timeout=120):
    """``python -m backprop ARGS`` with its address space capped: an allocation of gigabytes
    fails inside the child instead of exhausting the machine."""
    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    env = {**os.environ, "PYTHONPATH": str(SRC), "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "backprop", *map(str, args)], input=input,
                          capture_output=True, text=True, cwd=cwd, timeout=timeout, env=env,
                          preexec_fn=cap)


def assert_one_error(r, code=1, *fragments):
    assert r.returncode == code, (r.returncode, r.stderr[-2000:])
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert len(lines[0]) < 500, lines[0][:600]
    for f in fragments:
        assert f in lines[0], lines[0]
    return lines[0]


# ---- item 4: quoting never changes the row count silently -------------------------------------

def test_unterminated_quote_is_an_error_naming_its_line(tmp_path):
    p = stray_quote(tmp_path, line=32)
    with pytest.raises(DataError) as e:
        read_csv(p, target="label")      # was: 31 rows, the last label holding the rest of the file
    msg = one_line(e)
    assert "line 32" in msg and "quote" in msg and "line 401" in msg


def test_quote_closed_lines_later_is_an_error_too(tmp_path):
    p = stray_quote(tmp_path, line=10, close=12)
    with pytest.raises(DataError) as e:
        read_csv(p, target="label")      # was: 398 rows, lines 10-12 read as one
    msg = one_line(e)
    assert "line 10" in msg and "line 12" in msg


def test_delimiter_detection_survives_the_stray_quote(tmp_path):
    # the quote must not push detection to another delimiter (then the error would be about that)
    lines = [ln.replace(",", ", ") for ln in table_text(60)]
    lines[20] = lines[20].replace(", no", ', "no').replace(", yes", ', "yes')
    with pytest.raises(DataError, match="line 21: a quoted field"):
        read_csv(write(tmp_path, lines), target="label")


def test_cli_train_on_a_stray_quote_fails_in_one_line_and_writes_nothing(tmp_path):
    p = stray_quote(tmp_path)
    r = run_cli("train", p, "--target", "label", "--epochs", "2", "--out", tmp_path / "m.bp")
    assert_one_error(r, 1, "line 32", "quote")
    assert not (tmp_path / "m.bp").exists()


@pytest.mark.parametrize("case", ["numeric", "target", "category", "header"])
def test_long_cells_are_cut_in_messages(tmp_path, case):
    long = "z" * 9000
    if case == "numeric":
        p = write(tmp_path, ["a,b", "1,2", f"3,{long}"])
        call = lambda: read_csv(p)                                    # noqa: E731
    elif case == "target":
        p = write(tmp_path, ["a,b", "1,2"])
        call = lambda: read_csv(p, target=long)                       # noqa: E731
    elif case == "category":
        t = read_csv(write(tmp_path, ["a,c", "1,red", "2,blue"]), one_hot=True)
        new = write(tmp_path, ["a,c", f"1,{long}"], "new.csv")
        call = lambda: t.read_like(new)                               # noqa: E731
    else:
        p = write(tmp_path, [f"{long},{long}", "1,2"])
        call = lambda: read_csv(p, header=True)                       # noqa: E731
    with pytest.raises(DataError) as e:
        call()
    assert "(9000 characters)" in one_line(e)


def test_cli_describe_error_is_short(tmp_path):
    p = write(tmp_path, ["a,b", "1,2", "3," + "z" * 9000])
    r = run_cli("describe", p)
    assert_one_error(r, 1, "column 'b' is not numeric", "(9000 characters)")


# ---- item 5: memory from small inputs ---------------------------------------------------------

def ids_file(tmp_path, n_rows, name="ids.csv"):
    return write(tmp_path, ["id,x,label"] + [f"u{i:06d},{i % 7},{i % 2}" for i in range(n_rows)],
                 name)


def test_category_cap_rule():
    assert [csvio.category_cap(n) for n in (3, 20, 40, 150, 200, 10**6)] == [10, 10, 20, 75, 100, 100]


def test_one_hot_identifier_refused_by_name_before_allocating(tmp_path):
    p = ids_file(tmp_path, 2000)     # the dense one-hot block would be 2000 x 2000 x 8 B = 32 MB
    tracemalloc.start()
    try:
        with pytest.raises(DataError) as e:
            read_csv(p, target="label", one_hot=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    msg = one_line(e)
    assert "'id'" in msg and "2000 distinct values" in msg and "drop=['id']" in msg
    assert peak < 8 << 20, peak


def test_one_hot_within_the_cap_is_encoded(tmp_path):
    lines = ["c,x"] + [f"k{i % 20},{i}" for i in range(40)]          # 20 categories, 40 rows: ok
    t = read_csv(write(tmp_path, lines), one_hot=True)
    assert len(t.categories["c"]) == 20 and t.X.shape == (40, 21)
    lines = ["c,x"] + [f"k{i % 21},{i}" for i in range(40)]          # 21 > half the rows
    with pytest.raises(DataError, match="21 distinct values, more than the 20 categories"):
        read_csv(write(tmp_path, lines), one_hot=True)


def test_drop_leaves_a_column_out_and_new_data_is_read_alike(tmp_path):
    t = read_csv(ids_file(tmp_path, 300), target="label", one_hot=True, drop=["id"])
    assert t.feature_names == ["x"] and t.dropped == ["id"] and t.X.shape == (300, 1)
    u = t.read_like(ids_file(tmp_path, 5, "new.csv"))
    assert u.feature_names == ["x"] and u.X[:, 0].tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(DataError, match="cannot drop unknown column 'nope'"):
        read_csv(tmp_path / "new.csv", drop=["nope"])
    with pytest.raises(DataError, match="cannot drop the target column 'label'"):
        read_csv(tmp_path / "new.csv", target="label", drop=["label"])


def test_cli_one_hot_on_an_identifier_column_refused_under_a_memory_cap(tmp_path):
    p = ids_file(tmp_path, 40000)    # 480 KB; the old dense block was 40000 x 40000 x 8 B = 12 GiB
    r = run_limited("train", p, "--target", "label", "--one-hot", "--out", tmp_path / "m.bp")
    assert_one_error(r, 1, "column 'id' has 40000 distinct values", "--drop id")
    assert "drop=[" not in r.stderr     # CLI terms from the CLI


def test_cli_drop_trains_and_predict_ignores_the_dropped_column(tmp_path):
    p = ids_file(tmp_path, 200)
    m = tmp_path / "m.bp"
    r = run_cli("train", p, "--target", "label", "--one-hot", "--drop", "id", "--epochs", "2",
                "--hidden", "3", "--seed", "0", "--quiet", "--out", m)
    assert r.returncode == 0, r.stderr
    r = run_cli("predict", m, p)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == 201
    r = run_cli("train", p, "--target", "id", "--epochs", "2", "--out", tmp_path / "n.bp")
    assert_one_error(r, 1, "target column 'id' has 200 distinct values")


def test_non_regular_files_are_refused(tmp_path):
    with pytest.raises(DataError, match="is a directory, not a CSV file"):
        read_csv(tmp_path)
    if os.path.exists("/dev/zero"):
        with pytest.raises(DataError, match="is a device, not a CSV file"):
            read_csv("/dev/zero")
    sock_path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(sock_path))
        with pytest.raises(DataError, match="is a socket, not a CSV file"):
            read_csv(sock_path)


def feed(path, data: bytes, forever: bool = False) -> threading.Thread:
    def write():
        try:
            with open(path, "wb") as f:
                while True:
                    f.write(data)
                    if not forever:
                        return
        except BrokenPipeError:
            pass
    t = threading.Thread(target=write, daemon=True)
    t.start()
    return t


def test_a_pipe_is_read(tmp_path):
    fifo = tmp_path / "in.csv"
    os.mkfifo(fifo)
    writer = feed(fifo, b"a,b\n1,2\n3,4\n")
    t = read_csv(fifo)
    writer.join(10)
    assert t.X.tolist() == [[1, 2], [3, 4]] and t.feature_names == ["a", "b"]


def test_an_endless_pipe_stops_at_the_byte_cap(tmp_path):
    fifo = tmp_path / "zeros"
    os.mkfifo(fifo)
    writer = feed(fifo, b"0,0\n" * 4096, forever=True)
    with pytest.raises(DataError, match="holds more than 1 MiB"):
        read_csv(fifo, max_bytes=1 << 20)
    writer.join(10)
    assert not writer.is_alive()       # the reader closed the pipe; the writer got EPIPE


def test_a_regular_file_over_the_cap_is_refused_before_reading(tmp_path, monkeypatch):
    p = write(tmp_path, ["a,b"] + ["1,2"] * 100)
    monkeypatch.setattr(detect, "_read_capped", lambda *a: pytest.fail("read despite its size"),
                        raising=False)
    with pytest.raises(DataError, match="bytes, more than 100 bytes, the limit"):
        read_csv(p, max_bytes=100)


def test_line_length_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(detect, "MAX_LINE_BYTES", 1000, raising=False)
    p = write(tmp_path, ["a,b", "1,2", "3," + "4" * 5000, "5,6"])
    with pytest.raises(DataError) as e:
        read_csv(p)
    assert "line 3: longer than 1000 bytes" in one_line(e)
    assert read_csv(write(tmp_path, ["a,b"] + ["1,2"] * 2000, "ok.csv")).n_rows == 2000


def test_delimiter_detection_reads_a_bounded_sample(monkeypatch):
    seen = []
    split = detect._split

    def spy(text, *args, **kwargs):
        seen.append(len(text))
        return split(text, *args, **kwargs)
    monkeypatch.setattr(detect, "_split", spy)
    detect.detect_delimiter("1," * 1_500_000)          # 3 MB without a line break
    assert seen and max(seen) <= getattr(detect, "SAMPLE_BYTES", 1 << 20)


def test_progress_is_reported_in_order(tmp_path):
    p = write(tmp_path, ["a,b"] + [f"{i},{i % 3}" for i in range(70000)])
    calls = []
    t = read_csv(p, progress=calls.append)
    assert t.n_rows == 70000
    assert len(calls) >= 3 and calls == sorted(calls) and calls[-1] == 1.0 and calls[0] >= 0


def run_on_a_terminal(*args, cwd=None) -> tuple[int, str]:
    """Run the CLI with stderr on a pseudo-terminal; returns (exit code, what the terminal got)."""
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(SRC), "PYTHONUNBUFFERED": "1"}
    chunks = []

    def drain():
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)
    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    proc = subprocess.run([sys.executable, "-m", "backprop", *map(str, args)], stdout=subprocess.PIPE,
                          stderr=slave, cwd=cwd, env=env, timeout=300)
    os.close(slave)
    reader.join(10)
    os.close(master)
    return proc.returncode, b"".join(chunks).decode(errors="replace")


def test_cli_shows_progress_on_a_terminal_and_nothing_otherwise(tmp_path):
    rng = np.random.default_rng(1)
    p = tmp_path / "big.csv"
    p.write_text("v\n" + "".join(f"{v:.6f}\n" for v in rng.random(300_000)))
    assert p.stat().st_size >= tab.PROGRESS_BYTES
    code, terminal = run_on_a_terminal("describe", p)
    assert code == 0 and "backprop describe: reading" in terminal and "100%" in terminal
    r = run_cli("describe", p)
    assert r.returncode == 0 and r.stderr == ""


def test_standard_input_is_read_with_dash(tmp_path):
    text = "\n".join(table_text(60)) + "\n"
    m = tmp_path / "m.bp"
    r = run_cli("train", "-", "--target", "label", "--epochs", "2", "--hidden", "3", "--quiet",
                "--out", m, input=text)
    assert r.returncode == 0, r.stderr
    r = run_cli("predict", m, "-", input=text)
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 61, r.stderr
    r = run_cli("describe", "-", "--target", "label", "--json", input=text)
    assert r.returncode == 0 and '"rows": 60' in r.stdout, r.stderr
    r = run_cli("train", "-", "--target", "label", input=text, cwd=tmp_path)
    assert_one_error(r, 2, "--out")


def test_cli_refuses_a_device_before_reading_it(tmp_path):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    r = run_limited("train", "/dev/zero", "--target", "y", "--out", tmp_path / "m.bp")
    assert_one_error(r, 1, "'/dev/zero' is a device, not a CSV file")


def test_crafted_model_categories_refused_before_allocating(tmp_path):
    from backprop.io import load_model
    p = write(tmp_path, ["c,x,label"] + [f"{'ab'[i % 2]},{i},{i % 2}" for i in range(200)])
    m = tmp_path / "m.bp"
    r = run_cli("train", p, "--target", "label", "--one-hot", "--epochs", "1", "--hidden", "2",
                "--quiet", "--out", m)
    assert r.returncode == 0, r.stderr
    model = load_model(m)
    model.metadata["csv"]["categories"] = {"c": [f"k{i}" for i in range(50_000)]}
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="more one-hot categories than the network's 3 inputs"):
            tab.read_for_model(str(p), model)     # the block would be 200 x 50000 x 8 B = 80 MB
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, peak


# ---- item 6: huge integer targets, warnings as one line ---------------------------------------

def test_huge_integer_targets_are_not_cast_to_int64():
    y = np.array([1e308, -1e308] * 20)
    assert tab.choose_task(y) == "regression"
    with pytest.raises(DataError, match="holds 1e\\+308, not a class label"):
        tab.class_labels(y, "label")
    exact = np.array([2.0 ** 53, -(2.0 ** 53), 0.0] * 4)
    assert tab.class_labels(exact).tolist() == [2 ** 53, -(2 ** 53), 0] * 4
    with pytest.raises(DataError, match="not a class label"):
        tab.class_labels(np.array([2.0 ** 54, 0.0] * 4))


def test_cli_classification_on_huge_integers_is_one_line(tmp_path):
    p = write(tmp_path, ["x,label"] + [f"{i},{'1e308' if i % 2 else '-1e308'}" for i in range(40)])
    r = run_cli("train", p, "--target", "label", "--task", "classification", "--epochs", "2",
                "--out", tmp_path / "m.bp")
    assert_one_error(r, 1, "not a class label", "--task regression")


def test_cli_mostly_numbers_warning_is_one_line(tmp_path):
    p = write(tmp_path, ["x,y,label"] + [f"{i},{i % 5 if i != 30 else 'oops'},{i % 2}"
                                         for i in range(40)])
    r = run_cli("train", p, "--target", "label", "--one-hot", "--epochs", "2", "--hidden", "3",
                "--quiet", "--out", tmp_path / "m.bp")
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if "mostly numbers" in ln]
    assert lines == [f"backprop train: warning: {p}: column 'y' is mostly numbers but has text "
                     "'oops' on line 32; one-hot encoding it into 6 columns"]
    assert "UserWarning" not in r.stderr and "read_csv(" not in r.stderr


def test_cli_prints_any_library_warning_as_one_line(tmp_path):
    p = write(tmp_path, ["a,b,y"] + [f"{i},{i % 3},{i % 2}" for i in range(40)])
    m = tmp_path / "m.bp"
    r = run_cli("train", p, "--target", "y", "--task", "regression", "--epochs", "2", "--hidden", "3",
                "--quiet", "--out", m)
    assert r.returncode == 0, r.stderr
    huge = write(tmp_path, ["a,b,y", "1e308,1e308,1", "-1e308,1e308,0"], "huge.csv")
    r = run_cli("evaluate", m, huge)     # numpy overflows computing the squared errors
    assert r.returncode == 0, r.stderr
    assert r.stderr and all(ln.startswith("backprop evaluate: warning: ")
                            for ln in r.stderr.splitlines()), r.stderr
