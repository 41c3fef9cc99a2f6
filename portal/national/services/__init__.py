"""The national domain's services: the compilation, its export, and its two settings."""

from portal.national.services.compilation import (
    Compilation,
    Line,
    compilation_choices,
    compile_year,
)
from portal.national.services.settings import (
    appoint_national_network,
    national_network_accounts,
    set_named_nationally,
    withdraw_national_network,
)

__all__ = [
    "Compilation",
    "Line",
    "appoint_national_network",
    "compilation_choices",
    "compile_year",
    "national_network_accounts",
    "set_named_nationally",
    "withdraw_national_network",
]
