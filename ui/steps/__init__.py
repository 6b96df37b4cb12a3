"""The seven step pages and the person workspace that holds them."""
