"""Survey pages, by subject. Importing the package registers every route on ``bp``.

- ``rounds``: the association's rounds, response rates and instrument versions;
- ``respond``: a respondent's pages, from the personal link (no account);
- ``results``: a closed round's results and the review of free text;
- ``platform``: the platform admin's instrument versions: upload, check, publish;
- ``codes``: participant codes, issued by the association, entered by a participant.
"""

from portal.surveys.blueprint import bp
from portal.surveys.views import codes, platform, respond, results, rounds

__all__ = ["bp", "codes", "platform", "respond", "results", "rounds"]
