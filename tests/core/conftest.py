import pytest

BACKENDS = ("native", "pycosat")


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param
