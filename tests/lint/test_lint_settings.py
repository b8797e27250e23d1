"""[tool.cfgtools] discovery, validation and command-line overrides."""

from __future__ import annotations

import pytest

from cfgtools.lint.core import Severity
from cfgtools.lint.settings import LintSettings, SettingsError, build_settings, find_pyproject, load_settings


def test_defaults():
    s = LintSettings()
    assert s.fail_on is Severity.WARNING and s.dialect == "alexeyab" and s.gpus == 1
    assert (s.lr_floor_fraction, s.lr_floor_share, s.rise_factor, s.spike_ratio) == (1e-3, 0.25, 2.0, 2.0)
    assert s.is_enabled("DN003") and s.is_enabled("CF001")


def test_select_ignore_specificity():
    s = LintSettings(select=["DN"], ignore=["DN00"], extend_select=["DN003", "CF001"])
    assert s.is_enabled("DN003")  # more specific than the ignore
    assert not s.is_enabled("DN005")
    assert s.is_enabled("DN012")
    assert s.is_enabled("CF001") and not s.is_enabled("CF002")


def test_severity_override_by_code_and_prefix():
    s = LintSettings(severity={"DN": "info", "DN006": "warning"})
    assert s.severity_for("DN001", Severity.WARNING) is Severity.INFO
    assert s.severity_for("DN006", Severity.ERROR) is Severity.WARNING
    assert s.severity_for("CF001", Severity.ERROR) is Severity.ERROR


def test_bad_selector_is_refused():
    with pytest.raises(SettingsError, match="not a rule code"):
        build_settings({"select": ["dn-003!"]})


def test_unknown_key_suggests_the_right_one():
    with pytest.raises(SettingsError, match=r"unknown key 'fail_onn'.*did you mean 'fail-on'"):
        build_settings({"fail_onn": "error"})


def test_nearest_pyproject_with_a_table_wins(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.cfgtools]\nfail-on = "error"\ndialect = "pjreddie"\n')
    inner = tmp_path / "proj" / "cfg"
    inner.mkdir(parents=True)
    (tmp_path / "proj" / "pyproject.toml").write_text('[project]\nname = "x"\n')  # no table: skipped
    cfg = inner / "a.cfg"
    cfg.write_text("[net]\n")
    assert find_pyproject(cfg) == tmp_path / "pyproject.toml"
    settings, origin = load_settings(str(cfg))
    assert origin == tmp_path / "pyproject.toml"
    assert settings.fail_on is Severity.ERROR and settings.dialect == "pjreddie"
    (tmp_path / "proj" / "pyproject.toml").write_text('[tool.cfgtools]\nignore = ["DN001"]\n')
    settings, origin = load_settings(str(cfg))
    assert origin == tmp_path / "proj" / "pyproject.toml"
    assert settings.ignore == ["DN001"] and settings.fail_on is Severity.WARNING


def test_command_line_overrides_the_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cfgtools]\nfail-on = "error"\ngpus = 4\nseverity = { DN001 = "error" }\nlr-floor-fraction = 0.01\n'
    )
    settings, _ = load_settings(str(tmp_path / "a.cfg"), overrides={"fail_on": "info", "gpus": None})
    assert settings.fail_on is Severity.INFO and settings.gpus == 4
    assert settings.severity_for("DN001", Severity.WARNING) is Severity.ERROR
    assert settings.lr_floor_fraction == 0.01


def test_bad_value_is_a_settings_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.cfgtools]\ngpus = 0\n')
    with pytest.raises(SettingsError, match="gpus"):
        load_settings(str(tmp_path / "a.cfg"))
    (tmp_path / "pyproject.toml").write_text('[tool.cfgtools]\ngpus = \n')
    with pytest.raises(SettingsError, match="TOML"):
        load_settings(str(tmp_path / "a.cfg"))


def test_explicit_config_file(tmp_path):
    config = tmp_path / "other.toml"
    config.write_text('[tool.cfgtools]\nselect = ["CF"]\n')
    settings, origin = load_settings(None, config=str(config))
    assert origin == config and settings.select == ["CF"]
    with pytest.raises(SettingsError, match="no such"):
        load_settings(None, config=str(tmp_path / "missing.toml"))
