"""What staff do with cases in the console: the worklist, the case page, actions."""
