# The few commands people run. CI runs `.ci/run`, which is `make test`'s script.
.PHONY: run test bench fmt lint
run:
	./scripts/run.sh
test:
	./scripts/test.sh
bench:
	./scripts/bench.sh
fmt:
	cargo fmt --all
lint:
	cargo clippy --workspace --all-targets -- -D warnings
