"""Indicator values as people write them: text normalisation, the target/actual grammar, units."""
