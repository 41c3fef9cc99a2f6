"""Meetings of Mysam groups: notices, attendance, minutes with approval, statistics, calendars."""
