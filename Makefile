.PHONY: help run test test-fast lint ci bench soak
.DEFAULT_GOAL := help
help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | sed 's/:.*## /\t/'
run:  ## install what is needed, then run the service on its embedded defaults (Ctrl-C stops it)
	scripts/run.sh
test:  ## install what is needed, then run lint and the whole test suite
	scripts/test.sh
test-fast:  ## the suite without real-process and browser tests (for quick iteration)
	scripts/test.sh -m "not slow and not browser"
lint:  ## ruff and the import-linter contracts only
	scripts/bootstrap.sh && .venv/bin/ruff check . && .venv/bin/lint-imports --no-cache && .venv/bin/python scripts/import_cycles.py
ci:  ## what CI runs: install, then the suite on embedded defaults and on PostgreSQL + Redis
	bash .ci/run
soak:  ## the whole fault suite, long runs included, printing each test's figures (FAULT lines)
	scripts/bootstrap.sh && .venv/bin/pytest -p no:cacheprovider -m fault --soak -s -q -n 0
bench:  ## the benchmarks in bench/ (PostgreSQL via BENCH_DATABASE_URL)
	scripts/bootstrap.sh && .venv/bin/python -m bench
