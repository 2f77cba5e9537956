"""The 100 test problems (= `--problems builtin --count 100 --seed 0`, split generate-0) and 200 disjoint training problems."""
import json
from scpo_data.train.warmup import WarmupSpec, arith_splits
splits = arith_splits(WarmupSpec(), {"generate-0": 100, "score-train": 200})
for name, file in (("generate-0", "test.jsonl"), ("score-train", "train.jsonl")):
    with open(file, "w") as f:
        for r in splits[name]:
            f.write(json.dumps({"id": r["id"], "question": r["question"], "answer": r["answer"]}) + "\n")
builtin = arith_splits(WarmupSpec(), {"generate-0": 100})["generate-0"]
assert [r["question"] for r in builtin] == [r["question"] for r in splits["generate-0"]]
print("ok", len(splits["generate-0"]), len(splits["score-train"]))
