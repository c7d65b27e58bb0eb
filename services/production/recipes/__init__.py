"""Recipes: what an item is made of and how it is made.

``recipe_rules`` (pure: validation, batch planning, multi-level explosion), ``recipe_book``
(versioned recipes, one active version per item) and ``availability`` (can we make it? the
explosion against the stock production has seen, with suppliers and lead times).
"""
