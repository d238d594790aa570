# The make file of every chapter folder, which each chapter's Makefile
# includes: make, run in a chapter folder, works as in the repo root, for
# this chapter. make check, make hint and make reset take this chapter
# (unless CHAPTER= names another); make clean removes what this chapter's
# tasks wrote here, and nothing else; every other command (setup, watch,
# luigid, ...) is the repo's own. No git needed: the repo is one folder up,
# or two (solutions/<chapter>).

REPO := $(if $(wildcard ../tools/chapter.mk),..,../..)
HERE := $(shell basename "$(CURDIR)")
.DEFAULT_GOAL := help
.PHONY: check hint reset clean

check hint reset:
	@$(MAKE) --no-print-directory -C $(REPO) $@ CHAPTER='$(or $(CHAPTER),$(HERE))'

# Plain Python, no venv needed; -B: no bytecode left behind by clean itself.
clean:
	@cd $(REPO) && python=.venv/bin/python && { [ -x "$$python" ] || python=python3; } \
	  && "$$python" -B -m tools.clean "$(CURDIR)"

# Any other command: the repo's. The make files themselves are not made.
%: FORCE
	@$(MAKE) --no-print-directory -C $(REPO) $@
FORCE: ;
Makefile $(REPO)/tools/chapter.mk: ;
