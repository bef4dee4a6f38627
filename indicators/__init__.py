"""Built-in indicator catalogues (YAML files shipped with the package)."""
