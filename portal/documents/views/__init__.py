"""Document pages. Importing the package registers every route on ``bp``."""

from portal.documents.blueprint import bp
from portal.documents.views import documents

__all__ = ["bp", "documents"]
