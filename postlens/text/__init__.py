"""Text understanding: caption and hashtag cleaning (encoders come with the interests work)."""
