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
