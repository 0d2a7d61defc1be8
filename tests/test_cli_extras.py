"""Without an optional extra, a command says what to install in one line (exit 1)."""

import pytest

from conftest import SRC, run_cli


@pytest.fixture
def without(tmp_path):
    """A PYTHONPATH on which the named packages fail to import, as if not installed."""
    def make(*packages):
        for name in packages:
            (tmp_path / name).mkdir()
            (tmp_path / name / "__init__.py").write_text(f'raise ImportError("No module named {name!r}")\n')
        return {"PYTHONPATH": f"{tmp_path}:{SRC}"}
    return make


def test_train_without_scikit_learn(without, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a,b,y\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(20)))
    r = run_cli("train", data, "--target", "y", "--out", tmp_path / "m.bp", env=without("sklearn"))
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "pip install 'backprop-mlp[sklearn]'" in r.stderr
    assert not (tmp_path / "m.bp").exists()


def test_plot_without_matplotlib(without, tmp_path):
    r = run_cli("plot", "bias-correction", "--out", tmp_path / "b.png", env=without("matplotlib"))
    assert r.returncode == 1 and "backprop-mlp[plot]" in r.stderr and "Traceback" not in r.stderr


def test_core_commands_need_no_extras(without):
    env = without("sklearn", "matplotlib", "scipy", "aiohttp", "torch")
    assert run_cli("--help", env=env).returncode == 0
    r = run_cli("explain", "--x", "1,0", "--t", "1", env=env)
    assert r.returncode == 0 and "dE/dw11" in r.stdout
