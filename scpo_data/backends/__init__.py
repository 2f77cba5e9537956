"""Generation backends: a batch of chat prompts and n in, n completions per prompt out."""
