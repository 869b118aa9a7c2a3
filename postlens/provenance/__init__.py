"""Which platform a picture was downloaded from, read from its file's container.

``features`` turns container facts into the model's inputs, ``platforms`` holds each
platform's documented pipeline (used to explain results and to simulate training data),
``cues`` the decisive rules and the evidence, ``model`` the shipped classifier and
``identify`` the combination of both.
"""
