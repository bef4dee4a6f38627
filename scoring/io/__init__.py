"""Reading input files into canonical tables and writing results atomically."""
