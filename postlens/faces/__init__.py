"""Faces: what a face wears (attribute heads fine-tuned on CelebA), never who it is."""
