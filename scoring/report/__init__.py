"""Human-readable views of results: the markdown report and the explanation text."""
