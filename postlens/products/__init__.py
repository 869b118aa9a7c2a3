"""Products: the catalogue, products for a picture and ads for a user."""
