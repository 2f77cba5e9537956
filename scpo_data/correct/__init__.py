"""Self-correction traces (SCoRe, arXiv 2409.12917): two attempts, rewards, metrics, datasets.

The model answers a problem (attempt 1, the domain's zero-shot prompt), reads the
domain's correction instruction (:attr:`scpo_data.domains.Domain.correction_instruction`,
which never says whether attempt 1 was right), and answers again (attempt 2).

* :mod:`~scpo_data.correct.config`: the settings of one ``scpo-data correct`` run.
* :mod:`~scpo_data.correct.attempts`: sampling both attempts through any backend (and its
  request cache).
* :mod:`~scpo_data.correct.labels`: the reward label of each problem: gold, or the
  majority answer of its first attempts (ScPO's vote as a reward).
* :mod:`~scpo_data.correct.traces`: one row per (attempt 1, attempt 2) with rewards r1,
  r2, the shaped reward and the edit distance between the attempts.
* :mod:`~scpo_data.correct.edit`: the edit distance (SCoRe's collapse signal).
* :mod:`~scpo_data.correct.metrics`: Acc@t1, Acc@t2, delta, delta(i->c), delta(c->i) with
  95% intervals.
* :mod:`~scpo_data.correct.datasets`: the ``traces``, ``star``, ``pair_sft`` and
  ``preference`` configs of the dataset folder.
* :mod:`~scpo_data.correct.pipeline`: the whole run and its folder.
* :mod:`~scpo_data.correct.report`: what ``scpo-data inspect`` shows of such a run.
"""
