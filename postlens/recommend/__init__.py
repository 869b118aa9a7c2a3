"""Recommenders: popularity, collaborative (ALS, BPR), content, social and their hybrid."""
