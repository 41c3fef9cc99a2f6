"""The reminder settings form: one checkbox per kind."""

from __future__ import annotations

from wtforms import BooleanField

from portal.core.forms import BaseForm
from portal.notifications.models import KIND_LABELS, Kind


class SettingsForm(BaseForm):
    """Which reminders and digests the person gets by e-mail."""

    meeting_reminder = BooleanField(KIND_LABELS[Kind.MEETING_REMINDER])
    minutes_waiting = BooleanField(KIND_LABELS[Kind.MINUTES_WAITING])
    activity_digest = BooleanField(KIND_LABELS[Kind.ACTIVITY_DIGEST])
    admin_digest = BooleanField(KIND_LABELS[Kind.ADMIN_DIGEST])

    def fill(self, enabled: set[Kind]) -> None:
        for kind in Kind:
            self[kind.value].data = kind in enabled

    def enabled(self) -> set[Kind]:
        return {kind for kind in Kind if self[kind.value].data}
