"""darknet's reading rules applied to the lossless parse tree, with positions worked out by hand."""

import stat

import pytest

from cfgtools.darknet import document
from cfgtools.darknet.document import darknet_strip, parse_tree, read_cfg
from cfgtools.positions import Span
from cfgtools.resources import user_cache_dir
from cfgtools.sources import read_source
from tests.conftest import corpus_files


def read_fixture(fixtures_dir, name, dialect="alexeyab"):
    return read_cfg(read_source(fixtures_dir / "darknet" / name), dialect=dialect)


def test_strip_removes_blanks_anywhere_per_fork():
    assert darknet_strip(" learning _rate = 0.02 \r", "alexeyab") == "learning_rate=0.02"
    assert darknet_strip(" learning _rate = 0.02 \r", "pjreddie") == "learning_rate=0.02\r"


def test_quirks_fixture_values_and_positions(fixtures_dir):
    doc = read_fixture(fixtures_dir, "reading_quirks.cfg")
    net = doc.net
    assert net is not None and net.header == "[net]" and net.span == Span(line=2, column=1, end_line=2, end_column=6)
    # line 4 is "b atch = 6 4": key columns 1-6, value "6 4" at columns 10-12
    batch = net.lookup("batch")
    assert (batch.value, batch.line) == ("64", 4)
    assert batch.key_span == Span(line=4, column=1, end_line=4, end_column=7)
    assert batch.value_span == Span(line=4, column=10, end_line=4, end_column=13)
    # line 7 "max_batches=5e5": the value starts after 11 + 1 characters
    assert net.lookup("max_batches").value_span == Span(line=7, column=13, end_line=7, end_column=16)
    # line 9 "policy=steps # decay at 80%" (27 characters): blanks go, the comment stays
    policy = net.lookup("policy")
    assert policy.value == "steps#decayat80%"
    assert policy.value_span == Span(line=9, column=8, end_line=9, end_column=28)
    # the first duplicate wins
    assert net.lookup("learning_rate").line == 13
    assert [o.line for o in net.options_named("learning_rate")] == [13, 14]
    # "burn_in=" is not stored at all; a lookup finds nothing
    assert net.lookup("burn_in") is None
    assert [p.kind for p in doc.problems] == ["empty-value"] and doc.problems[0].span.line == 16
    # "momentum" without '=' is found first, with no value: it shadows line 19
    momentum = net.lookup("momentum")
    assert (momentum.line, momentum.value) == (18, None)
    # layers are counted from 0 after [net]
    assert [(s.header, s.layer_index, s.span.line) for s in doc.layers] == [("[convolutional]", 0, 24)]
    assert [c.span.line for c in doc.comments] == [1, 3, 6, 8, 12, 15, 17]


def test_section_names_are_matched_exactly():
    doc = read_cfg("[NET]\nbatch=1\n[net] # x\n[ net ]\n")
    assert [s.header for s in doc.sections] == ["[NET]", "[net]#x", "[net]"]
    assert doc.net is None
    assert doc.fatal_problems[0].kind == "first-section-not-net"


def test_split_at_first_equals_and_empty_key():
    doc = read_cfg("[net]\nmask=a=b\n=5\n=\n")
    options = doc.net.options
    assert (options[0].key, options[0].value) == ("mask", "a=b")
    assert (options[1].key, options[1].value, options[1].stored) == ("", "5", True)
    assert (options[2].key, options[2].stored) == ("", False)  # a lone '=' is dropped like an empty value


def test_comments_only_at_line_start():
    doc = read_cfg("[net]\n  # indented comment\n; semicolon\nlr=0.1 ; not a comment\n")
    assert [c.text for c in doc.comments] == ["# indented comment", "; semicolon"]
    assert doc.net.lookup("lr").value == "0.1;notacomment"


def test_bom_is_fatal_in_both_forks(fixtures_dir):
    for dialect in ("alexeyab", "pjreddie"):
        doc = read_fixture(fixtures_dir, "reading_bom.cfg", dialect)
        assert doc.has_bom
        assert doc.fatal_problems[0].kind == "bom"
        # the BOM glues onto "[net]": darknet sees an option, not a section
        assert doc.orphan_options[0].key == "\ufeff[net]"


def test_crlf_reads_in_alexeyab_and_breaks_pjreddie(fixtures_dir):
    ab = read_fixture(fixtures_dir, "reading_crlf.cfg", "alexeyab")
    assert ab.net is not None and ab.net.lookup("policy").value == "steps" and not ab.fatal_problems
    assert ab.crlf_lines[:3] == (1, 2, 3)
    pj = read_fixture(fixtures_dir, "reading_crlf.cfg", "pjreddie")
    assert pj.sections[0].header == "[net]\r"
    assert pj.net is None
    assert pj.fatal_problems[0].kind == "first-section-not-net"
    # pjreddie keeps the \r in values too: atoi still reads 32, but the policy string is "steps\r"
    first = pj.sections[0]
    assert first.lookup("batch").value == "32\r"
    assert first.lookup("policy").value == "steps\r"
    # the blank CRLF line 11 is an option named "\r" in pjreddie
    assert first.lookup("\r").line == 11


def test_key_before_section_is_fatal(fixtures_dir):
    doc = read_fixture(fixtures_dir, "reading_key_before_section.cfg")
    assert [o.key for o in doc.orphan_options] == ["batch"]
    assert doc.fatal_problems[0].kind == "option-before-section"
    assert doc.fatal_problems[0].span.line == 1
    assert doc.net is not None  # the [net] that follows is still read for the linter


def test_no_sections():
    doc = read_cfg("# only a comment\n")
    assert [p.kind for p in doc.problems] == ["no-sections"]


def test_grammar_is_lossless():
    text = "[net]\r\n  b atch = 6 4 \n# c\n\nkey\n=5\nx=\n  ; y\n[yolo]#x\nmask = 1 # c"
    tree = parse_tree(text)
    pieces = [str(token) for token in tree.scan_values(lambda _: True)]
    # every character except the line breaks belongs to a token
    assert "".join(pieces) == text.replace("\n", "")


def test_lines_split_on_newline_only():
    # A lone CR is not a line break for fgets: this is one line, "[net]\rbatch=2".
    doc = read_cfg("[net]\rbatch=2\n")
    assert doc.sections[0].header == "[net]batch=2"  # AlexeyAB's strip also removes the \r


@pytest.mark.parametrize("dialect", ["alexeyab", "pjreddie"])
def test_undecodable_bytes_survive(dialect, tmp_path):
    path = tmp_path / "latin1.cfg"
    path.write_bytes(b"[net]\n# caf\xe9\nbatch=8\n")
    doc = read_cfg(read_source(path), dialect=dialect)
    assert doc.net.lookup("batch").value == "8"
    assert doc.text.encode("utf-8", "surrogateescape") == path.read_bytes()


@pytest.fixture
def grammar_cache(tmp_path, monkeypatch):
    """A fresh user cache folder, and the compiled grammar forgotten before and after the test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    document._parser.cache_clear()
    yield tmp_path / "cfgtools"
    document._parser.cache_clear()


QUIRKY = "[net]\n b atch = 6 4\r\n# c\n;d\n\n[conv]\nkey\n=v\nx=\n"


def test_the_compiled_grammar_is_cached_and_parses_as_compiled(grammar_cache):
    compiled = document._parser().parse(QUIRKY)
    [cached] = grammar_cache.glob("darknet-grammar-*.lark")
    assert stat.S_IMODE(cached.stat().st_mode) & 0o022 == 0
    document._parser.cache_clear()
    loaded = document._parser()
    assert loaded.parse(QUIRKY) == compiled
    assert [(t.type, t.line, t.column) for t in loaded.parse(QUIRKY).scan_values(lambda v: True)] == \
        [(t.type, t.line, t.column) for t in compiled.scan_values(lambda v: True)]


def test_a_corrupt_grammar_cache_is_compiled_again_and_replaced(grammar_cache):
    document._parser()
    [cached] = grammar_cache.glob("darknet-grammar-*.lark")
    cached.write_bytes(b"not a pickle\n")
    document._parser.cache_clear()
    assert document._parser().parse("[net]\nbatch=1\n").children[0].data == "header"
    assert cached.read_bytes() != b"not a pickle\n"


def test_a_grammar_cache_others_can_write_is_never_loaded(grammar_cache, monkeypatch):
    document._parser()
    [cached] = grammar_cache.glob("darknet-grammar-*.lark")
    cached.chmod(0o666)
    monkeypatch.setattr(document.Lark, "load", lambda *args: pytest.fail("loaded a file others can write"))
    document._parser.cache_clear()
    document._parser()
    grammar_cache.chmod(0o777)
    assert user_cache_dir() is None


def test_lines_parsed_alone_give_the_nodes_of_the_whole_file():
    text = "[net]\r\n  b atch = 6 4 \n# c\n\nkey\n=5\nx=\n  ; y\n[yolo]#x\nmask = 1 # c\n\r\n \t\n[a]=b\n=\n"
    whole = {node.children[0].line: node for node in parse_tree(text).children if hasattr(node, "data")}
    for line_no, line in enumerate(text.split("\n"), 1):
        alone = document._line_node(line)
        expected = whole.get(line_no)
        if expected is None:
            assert alone is None, line
            continue
        assert alone.data == expected.data
        assert [(t.type, str(t), t.column) for t in alone.children] == \
            [(t.type, str(t), t.column) for t in expected.children]


#: texts where the C forks' strips could matter: blanks, "\r" in a value, CRLF ends, a BOM
_FORK_TEXTS = [
    "[net]\n b atch = 6 4 \npolicy=steps # c\n\n[conv]\n=5\nx=\n  ; y\nkey\n",
    "[net]\r\nbatch=64\r\n\r\n[yolo]\r\nmask=1\r\n",
    "[net]\nlearning_rate=0.1\r\n[conv]\nfilters=3\n",
    "\ufeff[net]\nbatch=1\n",
]


@pytest.mark.parametrize("text", _FORK_TEXTS)
def test_the_c_forks_read_the_same_lines_unless_a_carriage_return_is_there(text):
    # read_cfg reads a text's lines once for both C forks when it holds no "\r"; the claim, checked uncached
    read_lines = document._read_lines.__wrapped__
    same = read_lines(text, "pjreddie") == read_lines(text, "alexeyab")
    assert same == ("\r" not in text)
    assert read_cfg(text, dialect="pjreddie").sections == read_lines(text, "pjreddie")[0]


def test_the_c_forks_read_every_corpus_cfg_without_a_carriage_return_alike():
    texts = [read_source(p).text for p in corpus_files("darknet") if p.suffix == ".cfg"]
    texts = [text for text in texts if "\r" not in text]
    if not texts:
        pytest.skip("the shared corpus is absent")
    read_lines = document._read_lines.__wrapped__
    for text in texts:
        assert read_lines(text, "pjreddie") == read_lines(text, "alexeyab")
