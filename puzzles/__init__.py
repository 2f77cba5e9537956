"""ZebraLogic-style logic-grid puzzles: model, clues, exact solver, generator, rendering."""
