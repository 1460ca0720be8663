"""Python helpers that connect live PyTorch objects to qfx."""

from . import config_io  # noqa: F401
