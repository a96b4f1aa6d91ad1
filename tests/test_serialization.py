"""save / load: exact JSON round trip, atomic writes, and clear errors that leave the model alone."""

import json
import os

import pytest

import nn
import nn.serialization


def test_round_trip_is_exact_and_human_readable(tmp_path):
    model = nn.MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", seed=0)
    model.layers[0].neurons[0].b.data = 0.1 + 0.2  # a float whose repr needs all 17 digits
    path = tmp_path / "model.json"
    model.save(path)
    doc = json.loads(path.read_text())
    assert doc["sizes"] == [4, 2] and doc["layers"][1]["neurons"][0]["b"] == model.layers[1].neurons[0].b.data
    loaded = nn.load(path)
    assert loaded.config() == model.config() and loaded.state_dict() == model.state_dict()
    other = nn.MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", seed=1)
    assert nn.load(path, into=other) is other and other.state_dict() == model.state_dict()


def test_a_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    nn.MLP(2, [2, 1], seed=0).save(path)
    before = path.read_bytes()

    def dump_half_then_fail(obj, f, **kwargs):
        f.write(json.dumps(obj)[:40])
        raise OSError("disk full")

    monkeypatch.setattr(nn.serialization.json, "dump", dump_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        nn.MLP(2, [2, 1], seed=1).save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.json"]  # no temporary file left behind


def test_a_model_with_nan_is_not_saved(tmp_path):
    model = nn.MLP(2, [1], seed=0)
    model.layers[0].neurons[0].b.data = float("nan")
    with pytest.raises(ValueError):
        model.save(tmp_path / "m.json")
    assert not os.listdir(tmp_path)


def corrupt(text):
    return {
        "truncated": text[: len(text) // 2],
        "not json": "hello",
        "nan": text.replace('"b": 0.0', '"b": NaN', 1),
        "another architecture": text.replace('"sizes": [\n  2,\n  1\n ]', '"sizes": [\n  3,\n  1\n ]'),
        "a string for a number": text.replace('"b": 0.0', '"b": "0.0"', 1),
        "not a model": '{"a": 1}',
    }


@pytest.mark.parametrize("kind", list(corrupt("")))
def test_bad_files_raise_and_leave_the_model_unchanged(tmp_path, kind):
    good = tmp_path / "good.json"
    nn.MLP(2, [2, 1], seed=0).save(good)
    bad = tmp_path / "bad.json"
    bad.write_text(corrupt(good.read_text())[kind])
    assert bad.read_text() != good.read_text()
    model = nn.MLP(2, [2, 1], seed=5)
    before = model.state_dict()
    with pytest.raises(ValueError, match="cannot load"):
        nn.load(bad, into=model)
    with pytest.raises(ValueError, match="cannot load"):
        nn.load(bad)
    assert model.state_dict() == before


def test_loading_into_another_architecture_is_refused(tmp_path):
    path = tmp_path / "m.json"
    nn.MLP(2, [2, 1], seed=0).save(path)
    model = nn.MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match="the model is"):
        nn.load(path, into=model)
    assert model.state_dict() == before
