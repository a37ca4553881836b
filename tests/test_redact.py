"""Secrets in URLs: dropped from data, masked in messages, conda tokens only for conda URLs."""

from solver.redact import mask_credentials, strip_conda_credentials, strip_credentials, split_credentials


def test_user_and_password_are_split_out_and_decoded():
    assert split_credentials("https://me:p%40ss@idx.example.invalid/simple/") == (
        "https://idx.example.invalid/simple/",
        ("me", "p@ss"),
    )
    assert split_credentials("https://idx.example.invalid/simple/") == ("https://idx.example.invalid/simple/", None)


def test_strip_credentials_keeps_paths_that_look_like_conda_tokens():
    # a PyPI project folder named "t" is not a token
    url = "https://u:p@idx.example.invalid/simple/t/tool-1.0.tar.gz"
    assert strip_credentials(url) == "https://idx.example.invalid/simple/t/tool-1.0.tar.gz"


def test_conda_urls_lose_tokens_and_userinfo():
    assert (
        strip_conda_credentials("https://u:p@conda.example.invalid/t/tk-123/chan/linux-64/a-1-0.conda")
        == "https://conda.example.invalid/chan/linux-64/a-1-0.conda"
    )
    assert strip_conda_credentials("https://conda.example.invalid/t/tk-123") == "https://conda.example.invalid"
    assert strip_conda_credentials("/local/path/t/x") == "/local/path/t/x"


def test_messages_show_that_credentials_were_there_but_not_what():
    text = "could not fetch https://alice:s3cret@idx.example.invalid/simple/ and https://c.example.invalid/t/tk/ch/"
    masked = mask_credentials(text)
    assert "s3cret" not in masked and "alice" not in masked and "tk/" not in masked
    assert "https://****@idx.example.invalid/simple/" in masked and "/t/****/ch/" in masked


import pytest  # noqa: E402


@pytest.mark.parametrize("text, shown", [
    ("https:/alice:pw-1@idx.example.invalid/simple", "https:/****@idx.example.invalid/simple"),
    ("https:alice:pw-1@idx.example.invalid/simple", "https:****@idx.example.invalid/simple"),
    ("index alice:pw-1@idx.example.invalid/simple failed", "index ****@idx.example.invalid/simple failed"),
    ("not found: /work/https:/alice:pw-1@h.invalid/x", "not found: /work/https:/****@h.invalid/x"),
    ("https://alice:pw@1@idx.example.invalid/x", "https://****@idx.example.invalid/x"),  # '@' in the password
    ("write to me@example.invalid", "write to me@example.invalid"),  # no colon: not a credential
    ("git@host.invalid:org/repo", "git@host.invalid:org/repo"),
])
def test_mistyped_urls_are_masked_in_messages(text, shown):
    assert mask_credentials(text) == shown


def test_mistyped_urls_lose_their_credentials_in_data():
    assert strip_credentials("https:/alice:pw-1@idx.example.invalid/simple") == "https:/idx.example.invalid/simple"


def test_one_name_per_credential_operation():
    # the package says strip_* (data), mask_credentials (messages), split_credentials (transport):
    # no module keeps another name for one of them
    from pathlib import Path

    import solver

    root = Path(solver.__file__).parent
    old = ("redact_url", "redact_text", "redact_conda_url", "redact = ", "scrub = ",
           "channel import strip_credentials", "auth import strip_credentials", "channel import Channel, strip_credentials")
    offenders = [f"{p.relative_to(root)}: {name}" for p in root.rglob("*.py") for name in old if name in p.read_text()]
    assert offenders == []


@pytest.mark.parametrize(
    "text, shown, secret",
    [
        ("fetch https://h/simple/a/?token=abc123 failed", "fetch https://h/simple/a/?token=**** failed", "abc123"),
        ("GET https://b.s3/x.whl?X-Amz-Credential=AKIA1&X-Amz-Signature=deadbeef&v=1",
         "GET https://b.s3/x.whl?X-Amz-Credential=****&X-Amz-Signature=****&v=1", "deadbeef"),
        ("'https://h/p?api_key=k9'", "'https://h/p?api_key=****'", "k9"),
        ("https://h/p?page=2&sort=asc", "https://h/p?page=2&sort=asc", None),  # nothing secret: unchanged
    ],
)
def test_secret_query_parameters_are_masked_in_messages(text, shown, secret):
    masked = mask_credentials(text)
    assert masked == shown
    if secret:
        assert secret not in masked
