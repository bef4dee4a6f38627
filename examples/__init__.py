"""The bundled sample district and its generator (importable as `jixiao.examples.generate`)."""
