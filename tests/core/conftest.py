import pytest

from solver.options import BACKENDS


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param
