from typing import Any

from flask_babel import LazyString
from wtforms import FileField as _FileField
from wtforms.validators import DataRequired

# WTForms is untyped, so these bases are Any here (mypy's overrides allow it).
class FileField(_FileField): ...

class FileRequired(DataRequired):
    def __init__(self, message: str | LazyString | None = None) -> None: ...
    def __call__(self, form: Any, field: Any) -> None: ...
