"""Cross-cutting pieces: transactions, permissions, loaders, htmx, errors, audit, mail, i18n."""
