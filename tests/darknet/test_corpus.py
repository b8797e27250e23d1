"""Every upstream darknet cfg of the shared corpus, read by both forks' rules.

The [net] values are cross-checked against a second, deliberately naive
implementation of darknet's reader written here from the reference (a plain
line loop: strip blanks, skip comments, split at the first '=', first key
wins), so the Lark-based reader is not checked against itself.
"""

import pytest

from cfgtools.darknet.cnum import atof32, atoi
from cfgtools.darknet.document import read_cfg
from cfgtools.darknet.net import read_net
from cfgtools.sources import read_source
from tests.conftest import corpus_files

DARKNET_FILES = [p for p in corpus_files("darknet") if p.suffix == ".cfg"]
pytestmark = pytest.mark.corpus


def naive_net_options(data: bytes, blanks: bytes) -> dict[str, str | None] | None:
    options: dict[str, str | None] = {}
    section = None
    for raw in data.split(b"\n"):
        line = bytes(b for b in raw if b not in blanks).decode("utf-8", "surrogateescape")
        if not line or line[0] in "#;":
            continue
        if line[0] == "[":
            if section is not None:
                break  # only the first section matters here
            section = line
            continue
        key, equals, value = line.partition("=")
        if equals and value == "":
            continue  # empty value: not stored
        options.setdefault(key, value if equals else None)
    return options if section in ("[net]", "[network]") else None


def test_corpus_is_present():
    if not DARKNET_FILES:
        pytest.skip("the shared corpus (next to the repository) is absent")
    assert len(DARKNET_FILES) > 100


@pytest.mark.parametrize("dialect, blanks", [("alexeyab", b" \t\n\r"), ("pjreddie", b" \t\n")])
@pytest.mark.parametrize("path", DARKNET_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_cfg_reads_like_darknet(path, dialect, blanks):
    document = read_cfg(read_source(path), dialect=dialect)
    expected = naive_net_options(path.read_bytes(), blanks)
    if expected is None:
        assert document.net is None
        return
    net = read_net(document)

    def int_value(key, default):
        text = expected.get(key)
        return default if text is None else atoi(text)

    def float_value(key, default):
        text = expected.get(key)
        return atof32(str(default)) if text is None else atof32(text)

    assert net.batch.value == int_value("batch", 1)
    assert net.subdivisions.value == int_value("subdivisions", 1)
    assert net.max_batches.value == int_value("max_batches", 0)
    assert net.burn_in.value == int_value("burn_in", 0)
    assert net.learning_rate.value == float_value("learning_rate", 0.001)
    assert net.momentum.value == float_value("momentum", 0.9)
    assert net.decay.value == float_value("decay", 0.0001)
    assert net.power.value == float_value("power", 4)
    assert net.policy.value == (expected.get("policy") or "constant")
    if net.effective_policy == "steps":
        steps_text = expected["steps"]
        if dialect == "alexeyab":
            steps_text = steps_text.split("#")[0]
        assert net.steps.value == [atoi(item) for item in steps_text.split(",")]
