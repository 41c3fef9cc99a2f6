"""Board summaries, trends and comparisons. This package only reads figures."""
