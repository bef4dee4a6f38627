"""The bundled sample district and its generator (importable as `examples.generate`)."""
