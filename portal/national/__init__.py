"""The national compilation: every association's survey figures, pooled for the
national network of coordination associations (issue 22)."""
