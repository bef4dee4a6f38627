"""Built-in rulesets (YAML files shipped with the package)."""
