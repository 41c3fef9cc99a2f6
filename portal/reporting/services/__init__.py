"""Reporting's reading of the other domains, by subject: plan, meeting and survey
figures, trends, the summaries built from them, and the board's own words."""
