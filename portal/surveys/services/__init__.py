"""What surveys do, by subject: instrument versions (``instruments``), rounds as prepared
(``rounds``), personal links (``links``), a round's life from opening to close
(``lifecycle``), response rates (``rates``) and participant codes (``codes``).

Services flush and never commit; mail goes through the outbox in the same transaction.
The names below are the domain's service interface for other packages, scripts and
tests; code inside ``portal.surveys`` imports from the subject modules.
"""

from portal.surveys.schedule import accepts_answers
from portal.surveys.services.codes import (
    MAX_CODES,
    AlreadyIssuedError,
    IssuedCodes,
    batches_of,
    issue_codes,
    load_batch,
    withdraw_batch,
)
from portal.surveys.services.instruments import (
    InstrumentUse,
    import_instrument,
    instrument_uses,
    instruments,
    is_frozen,
    load_published,
    publish_instrument,
    published_instruments,
)
from portal.surveys.services.lifecycle import (
    SEALED_TABLES,
    close_due,
    close_round,
    open_round,
    send_reminders,
    vacuum_sealed_tables,
)
from portal.surveys.services.links import (
    LINK_MARKER,
    LINK_MARKER_RE,
    LINK_RE,
    mail_link,
    render_links,
    round_keys,
    scrub_delivered_links,
    survey_link,
)
from portal.surveys.services.rates import Rate, Rates, response_rates
from portal.surveys.services.rounds import (
    ROUND_FIELDS,
    RoundData,
    create_round,
    delete_round,
    load_round,
    rounds_of,
    update_round,
)

__all__ = [
    "LINK_MARKER",
    "LINK_MARKER_RE",
    "LINK_RE",
    "MAX_CODES",
    "ROUND_FIELDS",
    "SEALED_TABLES",
    "AlreadyIssuedError",
    "InstrumentUse",
    "IssuedCodes",
    "Rate",
    "Rates",
    "RoundData",
    "accepts_answers",
    "batches_of",
    "close_due",
    "close_round",
    "create_round",
    "delete_round",
    "import_instrument",
    "instrument_uses",
    "instruments",
    "is_frozen",
    "issue_codes",
    "load_batch",
    "load_published",
    "load_round",
    "mail_link",
    "open_round",
    "publish_instrument",
    "published_instruments",
    "render_links",
    "response_rates",
    "round_keys",
    "rounds_of",
    "scrub_delivered_links",
    "send_reminders",
    "survey_link",
    "update_round",
    "vacuum_sealed_tables",
    "withdraw_batch",
]
