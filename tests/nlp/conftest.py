"""Shared fixtures: the process-wide classifier is configured back to defaults after each test."""

from collections.abc import Iterator

import pytest

import nlp
from nlp import runtime


@pytest.fixture(autouse=True)
def default_configuration() -> Iterator[None]:
    yield
    if not runtime.is_default():  # configuring again reloads the model (~0.4 s): only when changed
        nlp.configure()
