"""The read-only JSON API (``/api/v1``) for the agencies' BI tools, and its tokens.

Tokens belong to one association; admins create and revoke them in the association's
admin pages. The API never uses the session cookie and answers only GET.
"""
