"""Developer tools: synthetic data at national scale for benchmarks (``flask dev …``)."""
