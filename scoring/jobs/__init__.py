"""Jobs: a fold of stages over one compiled plan (self-evaluation now; monitor, reevaluate next)."""
