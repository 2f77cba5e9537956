"""``scpo-data iterate``: the ScPO loop M0 -> M1 -> ... as one resumable command, with arms side by side.

::

    from scpo_data.iterate import load_recipe, run_iterate

    recipe = load_recipe("laptop-quick", {"seed": 1})
    summary = run_iterate(recipe, Path("scpo-iterate/quick"))
    summary["models"][1]["gain"]   # {"greedy": 0.05, "ci95": [0.01, 0.09]}

Modules: :mod:`~scpo_data.iterate.recipe` (the YAML settings), :mod:`~scpo_data.iterate.data`
(the splits), :mod:`~scpo_data.iterate.steps` (resumable run / model / eval steps),
:mod:`~scpo_data.iterate.driver` (the loop), :mod:`~scpo_data.iterate.report` (summary, table,
plot) and :mod:`~scpo_data.iterate.stats` (the paired bootstrap).
"""

from scpo_data.iterate.driver import run_iterate
from scpo_data.iterate.recipe import Recipe, load_recipe, shipped_recipes

__all__ = ["Recipe", "load_recipe", "run_iterate", "shipped_recipes"]
