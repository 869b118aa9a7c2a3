"""Interests: taxonomies, per-post interest scores from pictures and text, user profiles."""
