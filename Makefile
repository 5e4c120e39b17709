.PHONY: help run test lint bench
help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | sed 's/:.*## /\t/'
run:  ## install what is needed, then run the service on its embedded defaults
	scripts/run.sh
test:  ## install what is needed, then run lint and the whole test suite
	scripts/test.sh
lint:  ## ruff and the import-linter contracts only
	scripts/bootstrap.sh && .venv/bin/ruff check . && .venv/bin/lint-imports --no-cache
bench:  ## the benchmarks in bench/ (PostgreSQL via BENCH_DATABASE_URL)
	scripts/bootstrap.sh && .venv/bin/python -m bench
