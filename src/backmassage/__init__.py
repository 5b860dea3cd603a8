"""backmassage: which massage helps your back pain, and when to see a doctor instead.

    >>> from backmassage import recommend
    >>> rec = recommend(location="lower", cause="lifting", screened=True)
    >>> rec.triage
    'massage'
"""

from __future__ import annotations

__version__ = "0.2.0"

from backmassage.errors import BackmassageError, InvalidAnswer, KnowledgeError
from backmassage.api import load_knowledge, recommend, recommend_many
from backmassage.model import Recommendation

__all__ = [
    "BackmassageError",
    "InvalidAnswer",
    "KnowledgeError",
    "Recommendation",
    "__version__",
    "load_knowledge",
    "recommend",
    "recommend_many",
]
