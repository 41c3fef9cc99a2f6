"""The national domain keeps no tables of its own: it reads the closed rounds' yearly
rollup (``survey_round_totals``), and its two settings live on the account
(``users.is_national_network``) and the association (``associations.named_nationally``).
Here are the words of its audit entries."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.core.audit import AuditWords

AUDIT_WORDS = AuditWords(
    actions={
        "user.national_network": _l("National network role given"),
        "user.national_network_withdrawn": _l("National network role withdrawn"),
        "association.national_naming": _l("Naming in the national compilation changed"),
    },
    fields={
        "is_national_network": _l("National network"),
        "named_nationally": _l("Named in the national compilation"),
    },
)
