"""Browser tests: headless Chromium with axe-core on every page."""
