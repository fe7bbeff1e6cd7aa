"""Helpers the tests share that are bigger than a fixture (the fixtures themselves are in
tests/conftest.py)."""
