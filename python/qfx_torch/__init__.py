"""Python helpers that connect live PyTorch objects to qfx."""

from . import config_io  # noqa: F401
from .exporter import ExportError, export, export_text  # noqa: F401
