"""Shared fixtures: the process-wide classifier is configured back to defaults after each test."""

from collections.abc import Iterator

import pytest

import nlp


@pytest.fixture(autouse=True)
def default_configuration() -> Iterator[None]:
    yield
    nlp.configure()
