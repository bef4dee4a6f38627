"""The stages of a run, each a function of tables: prepare → score → rollup."""
