"""Toxicity models behind the ``ToxicityModel`` port: the trained screen (the default), the
profanity classifier (``pip install 'rostra[profanity]'``) and the semantic stage
(``pip install 'rostra[semantic]'``)."""

from rostra.screening.profanity import ProfanityModel, profanity_available
from rostra.screening.semantic import EmbeddingScreen, SemanticModel, semantic_available
from rostra.screening.trained import TrainedModel

__all__ = [
    "EmbeddingScreen",
    "ProfanityModel",
    "SemanticModel",
    "TrainedModel",
    "profanity_available",
    "semantic_available",
]
