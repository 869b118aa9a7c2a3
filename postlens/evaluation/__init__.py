"""Offline evaluation: ranking metrics, splits, the seed papers' protocols and A/B tests."""
