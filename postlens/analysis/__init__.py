"""Per-picture analysis: registered tasks with declared inputs, run by one batched analyzer.

A task is a module with a :class:`~postlens.analysis.task.PictureTask` subclass plus one
entry in :mod:`postlens.analysis.registry`; callers ask for the tasks they need by name.
"""
