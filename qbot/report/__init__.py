"""`qbot report`: one self-contained file (HTML, or PDF printed from it) with everything an
examiner's conversation rests on: case, evidence files and hashes, questions, plans, submitted
forms, results and the records behind them, and the chain head that `qbot verify --heads` checks.

`gather` reads (no server needed), `html` renders, `pdf` prints, `cli` is the command."""
