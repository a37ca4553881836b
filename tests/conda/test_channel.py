"""Channels as users write them: names (against the configured or conda's alias), URLs, file:// URLs, paths."""

from pathlib import Path

import pytest

from solver.conda.channel import CHANNEL_ALIAS_ENV, Channel
from solver.errors import InputError


@pytest.fixture(autouse=True)
def no_alias_env(monkeypatch):
    monkeypatch.delenv(CHANNEL_ALIAS_ENV, raising=False)


def test_name_resolves_against_the_callers_alias():
    ch = Channel.parse("conda-forge", channel_alias="https://conda.example.invalid/")
    assert ch.name == "conda-forge"
    assert ch.base_url == "https://conda.example.invalid/conda-forge"
    assert ch.subdir_url("linux-64") == "https://conda.example.invalid/conda-forge/linux-64"
    assert not ch.is_local


def test_env_alias_is_used_before_the_callers(monkeypatch):
    monkeypatch.setenv(CHANNEL_ALIAS_ENV, "https://mirror.example.invalid/conda")
    ch = Channel.parse("bioconda", channel_alias="https://conda.example.invalid")
    assert ch.base_url == "https://mirror.example.invalid/conda/bioconda"


def test_multi_part_names_are_names_not_paths():
    ch = Channel.parse("my-org/label/dev", channel_alias="https://conda.example.invalid")
    assert ch.base_url == "https://conda.example.invalid/my-org/label/dev"
    assert ch.name == "my-org/label/dev"


def test_name_without_alias_resolves_against_condas_standard_alias():
    ch = Channel.parse("conda-forge")
    assert ch.name == "conda-forge"
    assert ch.base_url == "https://conda.anaconda.org/conda-forge"
    assert Channel.parse("my-org/label/dev", channel_alias="").base_url == "https://conda.anaconda.org/my-org/label/dev"


def test_url_channel_keeps_credentials_for_fetching_only():
    ch = Channel.parse("https://user:s3cret@conda.example.invalid/t/tok123/private/")
    assert ch.base_url == "https://user:s3cret@conda.example.invalid/t/tok123/private"
    assert ch.subdir_url("noarch").startswith("https://user:s3cret@")
    for shown in (ch.name, ch.display, ch.canonical_url, repr(ch), str(ch)):
        assert "s3cret" not in shown and "user" not in shown and "tok123" not in shown
    assert ch.canonical_url == "https://conda.example.invalid/private"


def test_file_url_and_path_give_the_same_local_channel(tmp_path, monkeypatch):
    folder = tmp_path / "my channel"
    folder.mkdir()
    by_path = Channel.parse(str(folder))
    by_url = Channel.parse(by_path.base_url)
    assert by_path == by_url
    assert by_path.is_local and by_path.local_path == folder.resolve()
    monkeypatch.chdir(tmp_path)
    relative = Channel.parse("./my channel")
    assert relative.local_path == folder.resolve()


def test_alias_may_be_a_local_folder(tmp_path):
    ch = Channel.parse("local-forge", channel_alias=Channel.parse(str(tmp_path)).base_url)
    assert ch.is_local and ch.local_path == (tmp_path / "local-forge").resolve()


@pytest.mark.parametrize("spec", ["ftp://host.example.invalid/ch", "", "https:///nohost"])
def test_bad_channels_are_input_errors(spec):
    with pytest.raises(InputError):
        Channel.parse(spec, channel_alias="https://conda.example.invalid")
