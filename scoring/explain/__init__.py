"""Explaining one project's score with the reference evaluator."""
