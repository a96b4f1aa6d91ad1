"""save / load: exact JSON round trip, atomic writes, and clear errors that leave the model alone."""

import errno
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


# -- untrusted files: every problem is a "cannot load" naming it, checked before anything is built --

def good_document(tmp_path):
    path = tmp_path / "good.json"
    nn.MLP(2, [2, 1], seed=0).save(path)
    return json.loads(path.read_text())


def set_in(doc, keys, value):
    *path, last = keys
    for key in path:
        doc = doc[key]
    doc[last] = value


HOSTILE = {
    # (keys to set, value, what the error says)
    "400-digit integer weight": (("layers", 0, "neurons", 0, "w", 0), 10**400, "too large for a float"),
    "400-digit nin": (("nin",), 10**400, "has 2 weights, its layer takes 1000"),
    "nin as a float": (("nin",), 2.0, "'nin' must be a positive integer, got 2.0"),
    "nin as a bool": (("nin",), True, "'nin' must be a positive integer"),
    "version true": (("version",), True, "unsupported version True"),
    "version as a float": (("version",), 1.0, "unsupported version 1.0"),
    "per-layer activation contradicts": (("layers", 0, "activation"), "tanh",
                                         "layer 1 says activation 'tanh', the configuration 'relu'"),
    "unknown activation": (("activation",), "softplus", "'activation' must be one of"),
    "output activation null": (("output_activation",), None, "'output_activation' must be one of"),
    "a layer too many declared": (("sizes",), [2, 1, 1], "declares 3 layers, the file holds 2 layers"),
    "a neuron too many declared": (("sizes",), [3, 1], "declares 3 neurons in layer 1, the file holds 2"),
    "fan-in too large": (("layers", 1, "neurons", 0, "w"), [0.5, 0.5, 0.5], "layer 2 neuron 1 has 3 weights"),
    "a bool weight": (("layers", 0, "neurons", 1, "b"), False, "layer 1 neuron 2 bias must be a real number"),
    "a nested list weight": (("layers", 0, "neurons", 0, "w", 1), [[1.0]], "layer 1 neuron 1 weight 2"),
    "an unknown type": (("type",), "Transformer", "unknown model type 'Transformer'"),
    "layers not a list": (("layers",), {"0": 1}, "the file holds dict for 'layers'"),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_files_are_refused_by_name_with_and_without_into(tmp_path, kind):
    keys, value, message = HOSTILE[kind]
    doc = good_document(tmp_path)
    set_in(doc, keys, value)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    model = nn.MLP(2, [2, 1], seed=5)
    before = model.state_dict()
    for into in (None, model):
        with pytest.raises(ValueError, match="cannot load .*bad.json'") as info:
            nn.load(bad, into=into)
        assert message in str(info.value)
        assert len(str(info.value)) < 300  # a 400-digit number is not printed whole
    assert model.state_dict() == before


def test_json_nested_3000_deep_is_a_clear_error(tmp_path):
    bad = tmp_path / "deep.json"
    bad.write_text('{"format": "autograd_lite.nn", "version": 1, "nin": ' + "[" * 3000 + "]" * 3000 + "}")
    with pytest.raises(ValueError, match="cannot load .*nested too deeply"):
        nn.load(bad)


def test_declared_sizes_are_checked_before_anything_is_built(tmp_path, monkeypatch):
    doc = good_document(tmp_path)
    doc["sizes"] = [1_000_000_000, 1]  # a 500-byte file declaring a billion neurons
    bad = tmp_path / "huge.json"
    bad.write_text(json.dumps(doc))
    built = []

    def counting_init(self, *args, **kwargs):
        built.append(1)
        raise AssertionError("a neuron was built before the file was checked")

    monkeypatch.setattr(nn.layers.Neuron, "__init__", counting_init)
    with pytest.raises(ValueError, match="declares 1000000000 neurons in layer 1, the file holds 2"):
        nn.load(bad)
    assert built == []


@pytest.mark.parametrize("make", [lambda: "model.json", lambda: nn.Layer(2, 2, seed=0), lambda: 3],
                         ids=["str", "Layer", "int"])
def test_into_something_that_is_not_an_mlp_is_refused(tmp_path, make):
    into = make()  # made here: a Value held by a test's parameters would outlive the test
    path = tmp_path / "m.json"
    nn.MLP(2, [2, 1], seed=0).save(path)
    with pytest.raises(ValueError, match=f"cannot load .*it holds an MLP, into= is {type(into).__name__}"):
        nn.load(path, into=into)


def test_files_written_before_the_type_field_still_load(tmp_path):
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    doc = {"format": "autograd_lite.nn.MLP", "version": 1, **model.config(),
           "layers": [nn.serialization._layer_document(layer) for layer in model.layers]}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(doc))
    assert nn.load(path).state_dict() == model.state_dict()
    assert nn.serialization.ARCHITECTURES["MLP"].cls is nn.MLP


def test_set_weights_and_load_state_dict_name_a_number_too_large_for_a_float():
    layer = nn.Layer(2, 1, seed=0)
    with pytest.raises(ValueError, match=r"W\[0\]\[1\] is a number too large for a float"):
        layer.set_weights([[0.5, 10**400]], [0.0])
    model = nn.MLP(1, [1], seed=0)
    state = model.state_dict() | {"layers.0.neurons.0.b": -(10**400)}
    with pytest.raises(ValueError, match=r"state\['layers.0.neurons.0.b'\] is a number too large"):
        model.load_state_dict(state)


# -- saving: the user's permissions, read-only targets, symlinks, errors naming the user's path --

def current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_new_file_gets_the_users_default_permissions(tmp_path):
    path = tmp_path / "m.json"
    nn.MLP(2, [1], seed=0).save(path)
    assert path.stat().st_mode & 0o777 == 0o666 & ~current_umask()


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600])
def test_saving_over_a_file_keeps_its_permissions(tmp_path, mode):
    path = tmp_path / "m.json"
    path.write_text("old")
    path.chmod(mode)
    nn.MLP(2, [1], seed=0).save(path)
    assert path.stat().st_mode & 0o777 == mode and nn.load(path)


def test_a_read_only_target_is_refused_not_replaced(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("keep me")
    path.chmod(0o444)
    with pytest.raises(PermissionError, match="read-only") as info:
        nn.MLP(2, [1], seed=0).save(path)
    assert info.value.filename == str(path)
    assert path.read_text() == "keep me" and os.listdir(tmp_path) == ["m.json"]


def test_errors_name_the_users_path_not_the_temporary_file(tmp_path):
    path = tmp_path / "no such dir" / "m.json"
    with pytest.raises(FileNotFoundError) as info:
        nn.MLP(2, [1], seed=0).save(path)
    assert info.value.filename == str(path) and ".tmp" not in str(info.value)


def test_a_nan_weight_is_named(tmp_path):
    model = nn.MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[1].w[0].data = float("nan")
    with pytest.raises(ValueError, match=r"parameter layers.0.neurons.1.w.0 \(w\[1\]_21\) is nan"):
        model.save(tmp_path / "m.json")
    assert not os.listdir(tmp_path)


def test_an_empty_path_is_refused_clearly():
    with pytest.raises(ValueError, match="save\\(\\) needs a file path, got ''"):
        nn.MLP(2, [1], seed=0).save("")


def test_a_symlink_is_written_through(tmp_path):
    real = tmp_path / "models" / "v3.json"
    real.parent.mkdir()
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "model.json"
    link.symlink_to(real)
    model = nn.MLP(2, [1], seed=0)
    model.save(link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert nn.load(real).state_dict() == model.state_dict() and real.stat().st_mode & 0o777 == 0o640
    assert sorted(os.listdir(real.parent)) == ["v3.json"]


def test_a_full_disk_names_the_users_path_and_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    nn.MLP(2, [2, 1], seed=0).save(path)
    before = path.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(nn.serialization.os, "fsync", full)
    with pytest.raises(OSError, match="No space left on device") as info:
        nn.MLP(2, [2, 1], seed=1).save(path)
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.json"]


def test_a_directory_or_a_symlink_loop_is_refused_naming_the_users_path(tmp_path):
    with pytest.raises(IsADirectoryError) as info:
        nn.MLP(2, [1], seed=0).save(tmp_path)
    assert info.value.filename == str(tmp_path)
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    with pytest.raises(OSError) as info:
        nn.MLP(2, [1], seed=0).save(loop)
    assert info.value.filename == str(loop) and os.listdir(tmp_path) == ["loop.json"]


@pytest.mark.parametrize("make, key", [
    (lambda: nn.Sequential(nn.Layer(2, 3, seed=0), nn.Layer(3, 1, seed=0, l=2)), "nin"),
    (lambda: nn.Sequential(nn.Conv1d(1, 2, 3, seed=0), nn.Flatten()), "out_channels"),
    (lambda: nn.RNN(2, 3, seed=0), "nhidden"),
])
def test_a_network_file_declaring_absurd_sizes_is_refused_before_building(tmp_path, make, key):
    # As for an MLP file: a declared size larger than the file's weights is refused up front, instead
    # of building a 10^9-wide module (minutes, then MemoryError).
    path = tmp_path / "net.json"
    nn.serialization.save(make(), path)
    doc = json.loads(path.read_text())
    stack = [doc["architecture"]]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if key in item:
                item[key] = 10**9
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=rf"cannot load .*declares {key} = 1e\+09, more than the \d+ parameter"):
        nn.load(path)


def test_an_endless_or_huge_file_is_refused_without_reading_it_all(tmp_path, monkeypatch):
    assert nn.serialization.MAX_FILE_BYTES == 256 * 2**20
    monkeypatch.setattr(nn.serialization, "MAX_FILE_BYTES", 2**20)
    if os.path.exists("/dev/zero"):
        with pytest.raises(ValueError, match="cannot load '/dev/zero': more than 1,048,576 characters"):
            nn.load("/dev/zero")
    path = tmp_path / "big.json"
    nn.MLP(2, [3, 1], seed=0).save(path)
    monkeypatch.setattr(nn.serialization, "MAX_FILE_BYTES", path.stat().st_size - 1)
    with pytest.raises(ValueError, match="the most a model file may hold"):
        nn.load(path)
    monkeypatch.setattr(nn.serialization, "MAX_FILE_BYTES", path.stat().st_size)
    assert nn.load(path).config() == nn.MLP(2, [3, 1]).config()
