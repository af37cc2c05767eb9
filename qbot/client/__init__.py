"""`qbot ask`: a terminal client of qbot's public HTTP API, one job a module.

`sse` reads an event stream (also used by the tests and the benchmarks); `display` shows a turn
on a terminal; `form` edits the filter form; `session` runs one conversation's turns over HTTP;
`flow` walks the seed's steps with the examiner's answers; `citations` prints the records behind
a result's rows; `command` is the `qbot ask` command; `errors` the exit codes, the exceptions that
carry them and a refused request told as one."""
