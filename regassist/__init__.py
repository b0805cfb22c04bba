"""regassist: cited, multilingual answers over the rules of special economic zones.

Data path: load -> normalise -> chunk -> embed -> index -> retrieve -> answer -> cite.
"""

from __future__ import annotations

from regassist.config import Settings
from regassist.documents import Answer, Chunk, Citation, DocInfo, Document, Hit
from regassist.errors import RegassistError
from regassist.store import Filters

__version__ = "0.1.0"
__all__ = [
    "Answer",
    "Chunk",
    "Citation",
    "DocInfo",
    "Document",
    "Filters",
    "Hit",
    "RegassistError",
    "Settings",
    "__version__",
]
