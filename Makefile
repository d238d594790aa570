# Batch data processing with luigi: every command of the workshop.
# `make help` lists them. Each sets up .venv by itself the first time.

# Every recipe is plain POSIX sh: some systems have no /bin/bash (NixOS, Alpine).
SHELL := /bin/sh
.DEFAULT_GOAL := help
# `python -m tools.check` finds tools/ in the current folder, which Python
# leaves off its path under PYTHONSAFEPATH=1 (set in some shells' profiles).
unexport PYTHONSAFEPATH

# The interpreters tried, in order, to create the virtual environment, and the
# virtual environment's folder. Each may be given on make's command line (make
# setup PYTHON=python3.12 VENV=...), but a PYTHON or VENV exported for another
# project (node-gyp reads PYTHON) is not used: nothing is installed into another
# project's venv. The tests name the venv they run in with WORKSHOP_VENV.
PYTHON = python3 python3.13 python3.12 python3.11 python3.10
VENV = $(or $(WORKSHOP_VENV),.venv)
# make splits names at spaces, so in a rule and unquoted in a recipe, the venv's
# bin folder is named with each space escaped: the repo may be in ~/My Projects.
space := $(subst ,, )
BIN := $(subst $(space),\$(space),$(VENV))/bin
# One chapter for `check`, `hint` and `reset`, e.g. make check CHAPTER=Basics.
# The port for `make luigid`, e.g. make luigid PORT=8083 (default: 8082, the
# port luigi's workers look for). The hint level for `make hint`, 1 to 3
# (default: one more than last time). Each is set here so that one exported in
# the shell is ignored; given on make's command line, it counts, and reaches
# the recipes as an environment variable: "$$CHAPTER" passes any value on as
# one word (CHAPTER="Basics Parameters" names no chapter), quotes and all.
CHAPTER =
PORT =
LEVEL =
# QUICK=1 for `make run`: chapter 6's tasks take 0.04 s each instead of 2 s.
QUICK =
quick = $(if $(filter 1 yes true,$(QUICK)),--quick,$(if $(filter-out 0 no false,$(QUICK)),\
	$(error QUICK=$(QUICK) means nothing here: QUICK=1 is a quick rehearsal, QUICK=0 the real pace)))

.PHONY: FORCE help setup doctor run check hint watch test lint test-all clean reset console luigid luigid-stop bench images

help: ## list the commands
	@echo "Batch data processing with luigi. Commands:"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# The virtual environment, (re)installed whenever requirements.txt changes, made
# anew when its Python is gone (FORCE), and mending a checkout without symlinks:
# see tools/make-venv.
$(BIN)/.installed: requirements.txt $(shell [ -x "$(VENV)/bin/python" ] || echo FORCE) \
		$(shell grep -lsxE '(\.\./){1,2}luigi\.cfg' */luigi.cfg */*/luigi.cfg >/dev/null && echo FORCE)
	@tools/make-venv "$(VENV)" $(PYTHON)
	@touch "$@"

FORCE:

setup: $(BIN)/.installed ## create .venv and install what the workshop needs

doctor: $(BIN)/.installed ## check that this laptop is ready for the workshop (PORT=8082)
	@$(BIN)/python -m tools.doctor --venv "$(VENV)" --python "$(PYTHON)" $(if $(PORT),--port "$$PORT")

run: $(BIN)/.installed ## run every chapter's solution, live, as on stage (QUICK=1: a quick rehearsal)
	@$(BIN)/python -m tools.run_all $(quick)

check: $(BIN)/.installed ## check your exercises (all, or CHAPTER=Name)
	@$(BIN)/python -m tools.check $(if $(CHAPTER),"$$CHAPTER")

hint: $(BIN)/.installed ## a hint for your next blank; again for more (CHAPTER=Name, LEVEL=1-3)
	@$(BIN)/python -m tools.hint $(if $(CHAPTER),"$$CHAPTER") $(if $(LEVEL),--level="$$LEVEL")

watch: $(BIN)/.installed ## check again each time you save a chapter's main.py (Ctrl-C stops)
	@$(BIN)/python -m tools.watch

# In 6 processes (pytest-xdist): on 2 cores, as many tests wait for commands as compute.
test: lint ## the maintainers' and CI's test suite
	$(BIN)/python -m pytest -n 6

lint: $(BIN)/.installed ## check style with ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(BIN)/.installed ## run every benchmark in bench/ (a few minutes; not part of make test)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python -m bench.$$(basename $$script .py) || exit 1; done

test-all: ## run `make test` on every Python 3.10-3.13 that pyenv has
	@found=0; for v in 3.10 3.11 3.12 3.13; do \
	  py=$$(ls -d "$$(pyenv root 2>/dev/null)"/versions/$$v.*/bin/python 2>/dev/null | sort -V | tail -n 1); \
	  if [ -z "$$py" ]; then echo "== Python $$v: not installed in pyenv, skipped"; continue; fi; \
	  found=$$((found + 1)); echo "== Python $$v ($$py)"; \
	  $(MAKE) --no-print-directory test VENV=.venv-$$v PYTHON=$$py || exit 1; \
	done; [ $$found -gt 0 ] || { echo "error: pyenv has none of Python 3.10-3.13" >&2; exit 1; }

clean: ## remove what the chapters and make console wrote (never your edits)
	@# Plain Python, no venv needed; -B: no bytecode left behind by clean itself.
	@python="$(VENV)/bin/python"; [ -x "$$python" ] || python=python3; "$$python" -B -m tools.clean

reset: $(BIN)/.installed ## put CHAPTER=Name (or all) back to its blanks, saving your version
	@$(BIN)/python -m tools.reset $(if $(CHAPTER),"$$CHAPTER")

console: $(BIN)/.installed ## IPython with luigi imported, in the scratch folder .console/
	@mkdir -p .console
	@bin="$$(cd $(BIN) && pwd)" && cd .console && "$$bin/ipython" -i -c 'import luigi; print(f"luigi {luigi.__version__} is imported. This is the scratch folder .console/ (make clean empties it).")'

luigid: $(BIN)/.installed ## start luigi's central scheduler in the background (PORT=8082)
	@$(BIN)/python -m tools.luigid start $(if $(PORT),--port "$$PORT")

luigid-stop: $(BIN)/.installed ## stop the scheduler that `make luigid` started
	@$(BIN)/python -m tools.luigid stop


.PHONY: scale-out
scale-out: $(BIN)/.installed ## one luigid, 3 worker hosts, one killed mid-run (Linux, as root; ~30 s)
	@$(BIN)/python -m tools.scale_out

images: $(BIN)/.installed ## redraw the pictures in images/ (needs chromium)
	@$(BIN)/python -m tools.images
