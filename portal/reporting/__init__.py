"""Reporting: the board's figures, charts and comparisons.

This package only reads the other domains' data (plans, meetings, surveys). The one
exception is the board's own words — analysis texts and development areas in
``portal.reporting.models`` — which are written here because they belong to no other
domain; carrying a development area into a plan goes through the plans' services.
"""
