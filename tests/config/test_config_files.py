"""pixi's configuration: every file location in pixi's order, every key, the environment
variables, the precedence between them, and the HttpSettings they turn into."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from solver.config import ConfigError, config_files, describe, http_settings, load_config

_ENV_VARS = ("PIXI_SSL_NO_VERIFY", "PIXI_TLS_NO_VERIFY", "PIXI_REQUEST_TIMEOUT", "PIXI_MAX_WORKERS", "SSL_CERT_FILE",
             "REQUESTS_CA_BUNDLE", "PIP_TRUSTED_HOST", "SOLVER_TIMEOUT", "SOLVER_CONCURRENCY", "SOLVER_CHANNEL_ALIAS",
             "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "RATTLER_AUTH_FILE")

linux_only = pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="the Linux file locations")


@pytest.fixture
def home(tmp_path) -> dict:
    """An environment with its own HOME and nothing else configured."""
    return {"HOME": str(tmp_path / "home")}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@linux_only
def test_the_locations_in_pixis_order(tmp_path, home):
    env = {**home, "XDG_CONFIG_HOME": str(tmp_path / "xdg"), "RATTLER_HOME": str(tmp_path / "rh"),
           "PIXI_HOME": str(tmp_path / "ph")}
    h = Path(home["HOME"])
    assert config_files(tmp_path / "proj", env) == [
        Path("/etc/rattler/config.toml"),
        Path("/etc/pixi/config.toml"),
        h / ".config/rattler/config.toml",
        tmp_path / "xdg/rattler/config.toml",
        tmp_path / "rh/config.toml",
        h / ".config/pixi/config.toml",
        tmp_path / "xdg/pixi/config.toml",
        h / ".pixi/config.toml",
        tmp_path / "ph/config.toml",
        tmp_path / "proj/.pixi/config.toml",
    ]
    # without XDG_CONFIG_HOME its default is ~/.config: each file is listed once
    assert len(config_files(None, home)) == len(set(config_files(None, home)))


@linux_only
@pytest.mark.parametrize(
    ("where", "extra_env"),
    [
        ("home/.config/rattler/config.toml", {}),
        ("xdg/rattler/config.toml", {"XDG_CONFIG_HOME": "xdg"}),
        ("rattler-home/config.toml", {"RATTLER_HOME": "rattler-home"}),
        ("home/.config/pixi/config.toml", {}),
        ("xdg/pixi/config.toml", {"XDG_CONFIG_HOME": "xdg"}),
        ("home/.pixi/config.toml", {}),
        ("pixi-home/config.toml", {"PIXI_HOME": "pixi-home"}),
        ("proj/.pixi/config.toml", {}),
        ("elsewhere/my.toml", {"PIXI_CONFIG_FILE": "elsewhere/my.toml"}),
    ],
)
def test_each_location_is_read_and_named_as_the_source(tmp_path, home, where, extra_env):
    env = {**home, **{k: str(tmp_path / v) for k, v in extra_env.items()}}
    file = write(tmp_path / where, 'default-channels = ["bioconda"]\n')
    config = load_config(tmp_path / "proj", env)
    assert config.default_channels == ["bioconda"]
    assert config.source("default_channels") == str(file)
    assert config.files == [str(file)]


def test_no_config_skips_everything_but_the_project(tmp_path, home):
    write(Path(home["HOME"]) / ".pixi/config.toml", "tls-no-verify = true\nconcurrency.solves = 3\n")
    project = write(tmp_path / "proj/.pixi/config.toml", "concurrency.solves = 2\n")
    config = load_config(tmp_path / "proj", {**home, "PIXI_NO_CONFIG": "1"})
    assert config.tls_no_verify is False and config.concurrency_solves == 2
    assert config.files == [str(project)]


def test_precedence_files_then_environment_then_command_line(tmp_path, home):
    h = Path(home["HOME"])
    env = {**home, "PIXI_HOME": str(tmp_path / "ph")}
    write(h / ".config/pixi/config.toml", 'default-channels = ["user"]\ntls-no-verify = true\n'
          '[concurrency]\ndownloads = 2\nsolves = 2\n[mirrors]\n"https://a.example.invalid/x" = ["https://m1.example.invalid/x"]\n')
    write(h / ".pixi/config.toml", 'default-channels = ["home"]\n[concurrency]\ndownloads = 3\n'
          '[mirrors]\n"https://b.example.invalid/y" = ["https://m2.example.invalid/y"]\n')
    write(tmp_path / "ph/config.toml", "[concurrency]\ndownloads = 4\n")
    project = write(tmp_path / "proj/.pixi/config.toml", "tls-no-verify = false\n")

    config = load_config(tmp_path / "proj", env)
    assert config.default_channels == ["home"]  # ~/.pixi over ~/.config/pixi
    assert (config.concurrency_downloads, config.source("concurrency_downloads")) == (4, str(tmp_path / "ph/config.toml"))
    assert config.concurrency_solves == 2
    assert (config.tls_no_verify, config.source("tls_no_verify")) == (False, str(project))  # the project's last
    assert set(config.mirrors) == {"https://a.example.invalid/x", "https://b.example.invalid/y"}  # tables merge

    config = load_config(tmp_path / "proj", {**env, "PIXI_MAX_WORKERS": "6", "PIXI_SSL_NO_VERIFY": "true"})
    assert (config.concurrency_downloads, config.source("concurrency_downloads")) == (6, "$PIXI_MAX_WORKERS")
    assert (config.tls_no_verify, config.source("tls_no_verify")) == (True, "$PIXI_SSL_NO_VERIFY")
    config = load_config(tmp_path / "proj", {**env, "PIXI_MAX_WORKERS": "6", "SOLVER_CONCURRENCY": "7"}, concurrency=9)
    assert (config.concurrency_downloads, config.source("concurrency_downloads")) == (9, "--concurrency")


FULL = """\
default_channels = ["conda-forge", "bioconda"]
authentication-override-file = "~/auth.json"
tls-no-verify = true
tls-root-certs = "system"
change-ps1 = false
detached-environments = true
pinning-strategy = "semver"

[channel-config]
default-channel-alias = "https://conda.example.invalid/"

[mirrors]
"https://conda.anaconda.org/conda-forge/" = ["https://mirror.example.invalid/conda-forge/", "https://conda.anaconda.org/conda-forge"]

[pypi-config]
index-url = "https://index.example.invalid/simple"
extra-index-urls = ["https://extra.example.invalid/simple"]
keyring-provider = "subprocess"
allow-insecure-host = ["localhost:8080"]

[concurrency]
downloads = 5
solves = 2

[proxy-config]
https = "http://proxy.example.invalid:3128"
http = "http://proxy.example.invalid:3129"
non-proxy-hosts = ["localhost", ".internal.example.invalid"]

[repodata-config]
disable-zstd = true
disable_bzip2 = true

[repodata-config."https://prefix.example.invalid"]
disable-sharded = false

[shell]
change-ps1 = false
"""


def test_every_key(tmp_path, home):
    write(tmp_path / "proj/.pixi/config.toml", FULL)
    c = load_config(tmp_path / "proj", home)
    assert c.default_channels == ["conda-forge", "bioconda"]
    assert c.authentication_override_file == str(Path("~/auth.json").expanduser())
    assert c.tls_no_verify is True and c.tls_root_certs == "system"
    assert c.channel_alias == "https://conda.example.invalid"
    assert c.mirrors == {"https://conda.anaconda.org/conda-forge": ["https://mirror.example.invalid/conda-forge",
                                                                     "https://conda.anaconda.org/conda-forge"]}
    assert c.pypi_index_url == "https://index.example.invalid/simple"
    assert c.pypi_extra_index_urls == ["https://extra.example.invalid/simple"]
    assert c.keyring_provider == "subprocess" and c.allow_insecure_host == ["localhost:8080"]
    assert (c.concurrency_downloads, c.concurrency_solves) == (5, 2)
    assert (c.proxy_https, c.proxy_http) == ("http://proxy.example.invalid:3128", "http://proxy.example.invalid:3129")
    assert c.non_proxy_hosts == ["localhost", ".internal.example.invalid"]
    assert c.repodata_config.disable_zstd is True and c.repodata_config.disable_bzip2 is True
    assert c.repodata_config.disable_sharded is None
    assert c.repodata_config_channels["https://prefix.example.invalid"].disable_sharded is False
    assert c.warnings == []

    s = http_settings(c)
    assert s.verify is False and s.concurrency == 5
    assert s.proxies == {"http": "http://proxy.example.invalid:3129", "https": "http://proxy.example.invalid:3128"}
    assert s.no_proxy == ("localhost", ".internal.example.invalid")
    assert s.auth_file == c.authentication_override_file
    assert s.mirrors["https://conda.anaconda.org/conda-forge"][0] == "https://mirror.example.invalid/conda-forge"
    assert s.insecure_hosts == ("localhost:8080",)
    assert s.use_keyring is True
    (tmp_path / "proj/.pixi/config.toml").write_text('[pypi-config]\nkeyring-provider = "disabled"\n')
    assert http_settings(load_config(tmp_path / "proj", home)).use_keyring is False


@pytest.mark.parametrize(
    ("env", "field", "value", "source"),
    [
        ({"PIXI_SSL_NO_VERIFY": "1"}, "tls_no_verify", True, "$PIXI_SSL_NO_VERIFY"),
        ({"PIXI_SSL_NO_VERIFY": "false"}, "tls_no_verify", False, "$PIXI_SSL_NO_VERIFY"),
        ({"PIXI_REQUEST_TIMEOUT": "60"}, "request_timeout", 60.0, "$PIXI_REQUEST_TIMEOUT"),
        ({"PIXI_REQUEST_TIMEOUT": "60", "SOLVER_TIMEOUT": "5"}, "request_timeout", 5.0, "$SOLVER_TIMEOUT"),
        ({"PIXI_MAX_WORKERS": "10"}, "concurrency_downloads", 10, "$PIXI_MAX_WORKERS"),
        ({"SSL_CERT_FILE": "/ca/a.pem"}, "ca_bundle", "/ca/a.pem", "$SSL_CERT_FILE"),
        ({"REQUESTS_CA_BUNDLE": "/ca/b.pem"}, "ca_bundle", "/ca/b.pem", "$REQUESTS_CA_BUNDLE"),
        ({"REQUESTS_CA_BUNDLE": "/ca/b.pem", "SSL_CERT_FILE": "/ca/a.pem"}, "ca_bundle", "/ca/a.pem", "$SSL_CERT_FILE"),
        ({"PIP_TRUSTED_HOST": "local-cache other:8080"}, "allow_insecure_host", ["local-cache", "other:8080"], "$PIP_TRUSTED_HOST"),
        ({"HTTPS_PROXY": "http://p.example.invalid:1"}, "proxy_https", "http://p.example.invalid:1", "$HTTPS_PROXY"),
        ({"SOLVER_CHANNEL_ALIAS": "https://c.example.invalid/"}, "channel_alias", "https://c.example.invalid", "$SOLVER_CHANNEL_ALIAS"),
    ],
)
def test_environment_variables(tmp_path, home, env, field, value, source):
    config = load_config(tmp_path, {**home, **env})
    assert getattr(config, field) == value
    assert config.source(field) == source


def test_environment_beats_the_files_and_trusted_hosts_add_up(tmp_path, home):
    write(tmp_path / ".pixi/config.toml", '[pypi-config]\nallow-insecure-host = ["a"]\n[proxy-config]\nhttps = "http://file.example.invalid:1"\n')
    config = load_config(tmp_path, {**home, "PIP_TRUSTED_HOST": "b", "https_proxy": "http://env.example.invalid:2"})
    assert config.allow_insecure_host == ["a", "b"]
    assert config.source("allow_insecure_host") == f"{tmp_path / '.pixi/config.toml'} + $PIP_TRUSTED_HOST"
    assert config.proxy_https == "http://env.example.invalid:2"  # pixi: the variables over proxy-config


def test_defaults_and_their_description(tmp_path, home):
    config = load_config(tmp_path, home)
    assert config.channel_alias == "https://conda.anaconda.org" and config.default_channels == ["conda-forge"]
    shown = describe(config)
    assert shown["files"] == []
    assert shown["settings"]["channel-config.default-channel-alias"] == {"value": "https://conda.anaconda.org", "source": "default"}
    assert shown["settings"]["concurrency.downloads"] == {"value": 8, "source": "default"}
    s = http_settings(config)
    assert (s.timeout, s.concurrency, s.verify, s.mirrors, s.proxies) == (30.0, 8, True, {}, {})


def test_credentials_in_settings_are_masked_when_shown(tmp_path, home):
    write(tmp_path / ".pixi/config.toml", '[proxy-config]\nhttps = "http://user:s3cret@proxy.example.invalid:3128"\n')
    shown = describe(load_config(tmp_path, home))
    assert "s3cret" not in str(shown)
    assert "proxy.example.invalid" in shown["settings"]["proxy-config.https"]["value"]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('tls-no-verify = "yes"\n', 1, ["tls-no-verify", "true or false"]),
        ("\n[concurrency]\ndownloads = 0\n", 3, ["concurrency.downloads", "positive whole number"]),
        ('[pypi-config]\nkeyring-provider = "subproces"\n', 2, ["keyring-provider", "did you mean `subprocess`"]),
        ('[channel-config]\ndefault-channel-alias = "conda.example.invalid"\n', 2, ["not a URL"]),
        ('[mirrors]\n"https://a.example.invalid" = "https://b.example.invalid"\n', 1, ["mirrors", "mirror URLs"]),
        ('[repodata-config]\ndisable-zst = true\n', 2, ["did you mean `disable-zstd`"]),
        ("tls-no-verify = \n", 1, ["invalid TOML"]),
    ],
)
def test_bad_values_are_located_errors(tmp_path, home, text, line, words):
    file = write(tmp_path / ".pixi/config.toml", text)
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path, home)
    message = str(err.value)
    assert message.startswith(f"{file}:{line}:"), message
    for word in words:
        assert word in message


def test_unknown_keys_are_warnings(tmp_path, home):
    write(tmp_path / ".pixi/config.toml", "tls-no-verfy = true\n[concurrency]\nparallel = 2\n")
    config = load_config(tmp_path, home)
    assert config.tls_no_verify is False
    assert any("tls-no-verfy" in w and "did you mean `tls-no-verify`" in w for w in config.warnings)
    assert any("concurrency.parallel" in w for w in config.warnings)


@pytest.mark.parametrize(("name", "value"), [("PIXI_REQUEST_TIMEOUT", "soon"), ("PIXI_MAX_WORKERS", "0"), ("SOLVER_TIMEOUT", "-1")])
def test_bad_environment_values_name_the_variable(tmp_path, home, name, value):
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path, {**home, name: value})
    assert f"{name}={value!r}" in str(err.value)


def test_a_missing_config_file_variable_is_an_error(tmp_path, home):
    with pytest.raises(ConfigError, match="PIXI_CONFIG_FILE"):
        load_config(tmp_path, {**home, "PIXI_CONFIG_FILE": str(tmp_path / "nope.toml")})


def test_oci_and_s3_mirrors_are_skipped_and_said(tmp_path):
    """pixi's docs mirror channels to oci:// registries and s3:// buckets, which this solver
    cannot read: those mirrors are skipped with a warning, and a prefix left with none is read
    from its own URL."""
    from solver.config import http_settings, load_config

    conf = tmp_path / "config.toml"
    conf.write_text('[mirrors]\n"https://conda.anaconda.org/conda-forge" = ["oci://ghcr.example.invalid/cf"]\n'
                    '"https://conda.anaconda.org/bioconda" = ["s3://bucket/bioconda", "https://mirror.example.invalid/bioconda"]\n')
    config = load_config(project_root=tmp_path, env={"PIXI_CONFIG_FILE": str(conf), "HOME": str(tmp_path)})
    assert [w for w in config.warnings if "oci://ghcr.example.invalid/cf" in w and "skipped" in w]
    assert [w for w in config.warnings if "s3://bucket/bioconda" in w]
    assert http_settings(config).mirrors == {"https://conda.anaconda.org/bioconda": ("https://mirror.example.invalid/bioconda",)}


@pytest.mark.parametrize(("mirror", "secret", "words"), [
    ("s3://AKIAEXAMPLE:wJalrXUtnFEMI@bucket/cf", "wJalrXUtnFEMI", "s3:// mirrors"),
    ("oci://robot:hunter22@ghcr.example.invalid/cf", "hunter22", "oci:// mirrors"),
    ("mirror.example.invalid/cf", None, "without http(s)://"),
])
def test_a_skipped_mirror_is_said_without_its_credentials(tmp_path, mirror, secret, words):
    from solver.config import load_config

    conf = tmp_path / "config.toml"
    conf.write_text(f'[mirrors]\n"https://conda.anaconda.org/conda-forge" = ["{mirror}"]\n')
    config = load_config(project_root=tmp_path, env={"PIXI_CONFIG_FILE": str(conf), "HOME": str(tmp_path)})
    (warning,) = [w for w in config.warnings if "skipped" in w]
    assert words in warning and str(conf) in warning
    assert secret is None or secret not in warning
