"""Services of the privacy domain, one module per subject."""
