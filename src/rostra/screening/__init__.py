"""Toxicity models behind the ``ToxicityModel`` port: the embedded profanity classifier and the
optional semantic stage (``pip install 'rostra[semantic]'``)."""

from rostra.screening.profanity import ProfanityModel
from rostra.screening.semantic import EmbeddingScreen, SemanticModel, semantic_available

__all__ = ["EmbeddingScreen", "ProfanityModel", "SemanticModel", "semantic_available"]
