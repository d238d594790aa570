# Batch data processing with luigi: every command of the workshop.
# `make help` lists them. Each sets up .venv by itself the first time.

# Every recipe is plain POSIX sh: some systems have no /bin/bash (NixOS, Alpine).
SHELL := /bin/sh
.DEFAULT_GOAL := help
# `python -m tools...` finds tools/ in the current folder, which Python leaves
# off its path under PYTHONSAFEPATH=1 (set in some shells' profiles).
unexport PYTHONSAFEPATH
# A PYTHONHOME set for another Python would send the venv's Python to that one's standard library.
unexport PYTHONHOME

# The interpreters tried, in order, to create the virtual environment
# (tools/setup/pick-python holds the list), and the venv's folder. Each may be
# given on make's command line (make setup PYTHON=python3.12 VENV=...), but a
# PYTHON or VENV exported for another project (node-gyp reads PYTHON) is not
# used. The tests name the venv they run in with WORKSHOP_VENV.
PYTHON = $(shell sh tools/setup/pick-python --names)
VENV = $(or $(WORKSHOP_VENV),.venv)
# make splits names at spaces, so in a rule and unquoted in a recipe, the venv's
# bin folder is named with each space escaped: the repo may be in ~/My Projects.
space := $(subst ,, )
BIN := $(subst $(space),\$(space),$(VENV))/bin
# CHAPTER (check, hint, reset, run), PORT (luigid, doctor, history, mail), LEVEL (hint): set
# here so that one exported in the shell is ignored. Given on make's command
# line, each reaches the recipes as an environment variable: "$$CHAPTER"
# passes any value on as one word, and after `--` it is a name, never an option.
CHAPTER =
PORT =
LEVEL =
# QUICK=1 for `make run`: each chapter's quick settings (chapter 6's tasks take 0.04 s, not 2 s).
QUICK =
quick = $(if $(filter 1 yes true,$(QUICK)),--quick,$(if $(filter-out 0 no false,$(QUICK)),\
	$(error QUICK=$(QUICK) means nothing here: QUICK=1 is a quick rehearsal, QUICK=0 the real pace)))
chapter = $(if $(CHAPTER),-- "$$CHAPTER")

# A tool runs as `exec $(BIN)/python -m tools...`: it replaces the shell that make starts,
# so it is make's own child, and when make is killed (kill -9, a closed IDE) it sees its
# parent go, and stops what it started (tools/processes.py).

.PHONY: FORCE help setup doctor run check hint watch reset clean console luigid luigid-stop \
	test lint test-all bench images scale-out history mail slides

help: ## list the commands
	@echo "Batch data processing with luigi. Commands:"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# The virtual environment with what the workshop needs (requirements.txt), and
# with the maintainers' tools too (requirements-dev.txt): each (re)installed when
# its list changes, made anew when its Python is gone (FORCE), and mending a
# checkout without symlinks or with Windows' line ends first (tools/setup/make-venv).
$(BIN)/.installed: requirements.txt $(shell [ -x "$(VENV)/bin/python" ] || echo FORCE) \
		$(shell grep -lsxE '(\.\./){1,2}luigi\.cfg' */luigi.cfg */*/luigi.cfg >/dev/null && echo FORCE)
	@$(mend-line-ends)
	@sh tools/setup/make-venv "$(VENV)" requirements.txt $(PYTHON)
	@touch "$@"

$(BIN)/.installed-dev: requirements-dev.txt $(BIN)/.installed
	@sh tools/setup/make-venv "$(VENV)" requirements-dev.txt $(PYTHON)
	@touch "$@"

# A checkout with Windows' line ends (core.autocrlf, in a clone older than
# .gitattributes, or a copy from Windows): the shell scripts would not run.
define mend-line-ends
for script in tools/setup/make-venv tools/setup/pick-python; do \
  if grep -q "$$(printf '\r')" "$$script"; then \
    tr -d '\r' <"$$script" >"$$script.lf" && cat "$$script.lf" >"$$script" && rm -f "$$script.lf" \
    && echo "Mended $$script: it had Windows' line ends (CRLF), which sh cannot read"; \
  fi; \
done
endef

FORCE:

setup: ## create .venv with what the workshop needs, or repair it
	@$(mend-line-ends)
	@sh tools/setup/make-venv "$(VENV)" requirements.txt $(PYTHON)
	@touch "$(VENV)/bin/.installed"
	@echo "Ready. Activate it in each terminal you use: source $(VENV)/bin/activate"

doctor: $(BIN)/.installed ## check that this laptop is ready for the workshop (PORT=8082)
	@exec $(BIN)/python -m tools.instructor.doctor --venv "$(VENV)" --python "$(PYTHON)" $(if $(PORT),--port "$$PORT")

check: $(BIN)/.installed ## check your exercises (all, or CHAPTER=Name)
	@exec $(BIN)/python -m tools.attendee.check $(chapter)

hint: $(BIN)/.installed ## a hint for your next blank; again for more (CHAPTER=Name, LEVEL=1-3)
	@exec $(BIN)/python -m tools.attendee.hint $(if $(LEVEL),--level="$$LEVEL") $(chapter)

watch: $(BIN)/.installed ## check again each time you save a chapter's main.py (Ctrl-C stops)
	@exec $(BIN)/python -m tools.attendee.watch

reset: $(BIN)/.installed ## put CHAPTER=Name (or all) back to its blanks, saving your version
	@exec $(BIN)/python -m tools.attendee.reset $(chapter)

clean: ## remove what the chapters and the commands wrote (never your edits)
	@# Plain Python, no venv needed; -B: no bytecode left behind by clean itself.
	@python="$(VENV)/bin/python"; [ -x "$$python" ] || python=python3; "$$python" -B -m tools.attendee.clean

console: $(BIN)/.installed ## IPython with luigi imported, in the scratch folder .console/
	@mkdir -p .console
	@bin="$$(cd $(BIN) && pwd)" && cd .console && "$$bin/ipython" -i -c 'import luigi; print(f"luigi {luigi.__version__} is imported. This is the scratch folder .console/ (make clean in the repo root empties it).")'

luigid: $(BIN)/.installed ## start luigi's central scheduler in the background (PORT=8082)
	@exec $(BIN)/python -m tools.luigid start $(if $(PORT),--port "$$PORT")

luigid-stop: $(BIN)/.installed ## stop the scheduler that `make luigid` started
	@exec $(BIN)/python -m tools.luigid stop

history: $(BIN)/.installed ## chapter 8: a luigid that records task history, until Ctrl-C (PORT=8083)
	@exec $(BIN)/python -m tools.attendee.history $(if $(PORT),--port "$$PORT")

mail: $(BIN)/.installed ## chapter 8: a mail server that prints luigi's alerts, until Ctrl-C (PORT=8025)
	@exec $(BIN)/python -m tools.attendee.mail $(if $(PORT),--port "$$PORT")

run: $(BIN)/.installed ## run every chapter's solution (or CHAPTER's), live, as on stage (QUICK=1: quickly)
	@exec $(BIN)/python -m tools.instructor.run $(quick) $(chapter)

# In parallel (pytest-xdist), twice as many processes as cores: many tests wait on commands.
test: lint ## the maintainers' and CI's test suite
	$(BIN)/python -m pytest -n $$(( $$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2) * 2 ))

lint: $(BIN)/.installed-dev ## check style with ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(BIN)/.installed-dev ## run every benchmark in bench/ (a few minutes; not part of make test)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python -m bench.$$(basename $$script .py) || exit 1; done

test-all: ## run `make test` on every supported Python that pyenv has
	@found=0; for v in $$(sh tools/setup/pick-python --versions); do \
	  py=$$(ls -d "$$(pyenv root 2>/dev/null)"/versions/$$v.*/bin/python 2>/dev/null | sort -V | tail -n 1); \
	  if [ -z "$$py" ]; then echo "== Python $$v: not installed in pyenv, skipped"; continue; fi; \
	  found=$$((found + 1)); echo "== Python $$v ($$py)"; \
	  $(MAKE) --no-print-directory test VENV=.venv-$$v PYTHON=$$py || exit 1; \
	done; [ $$found -gt 0 ] || { echo "error: pyenv has none of the supported Pythons" >&2; exit 1; }

scale-out: $(BIN)/.installed ## one luigid, 3 worker hosts, one killed mid-run (Linux, as root; ~30 s)
	@exec $(BIN)/python -m tools.demos.scale_out

images: $(BIN)/.installed-dev ## redraw the pictures in images/ (the screenshot needs Chromium)
	@$(BIN)/python -m tools.demos.images

# For instructors and maintainers: it needs node and npm, which `make setup` never installs.
# Its first run installs the Marp CLI pinned in tools/slides/package-lock.json (npm ci).
slides: ## render docs/slides.md to .slides/slides.html and .pdf (needs node, npm, Chromium)
	@sh tools/slides/render
