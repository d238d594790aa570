# make, in a chapter folder, works as in the repo root, for this chapter:
# make check, make hint and make reset take this chapter (unless CHAPTER=
# names another); make clean removes what this chapter's tasks wrote here, and
# nothing else; every other command (setup, watch, luigid, ...) is the repo's
# own. No git needed: the repo is one folder up, or two (solutions/<chapter>).
# Each chapter folder's Makefile includes this file and runs $(this-chapter),
# so that a failure names that Makefile, in the attendee's folder.

REPO := $(if $(wildcard ../tools/chapter.mk),..,../..)
# The folder's name, the chapter's: its path's last word (no chapter's name has a space).
HERE := $(lastword $(notdir $(CURDIR)))
# Only make's command line names another chapter, not a CHAPTER exported in the shell.
CHAPTER =
# The repo's make runs in the repo's folder; the tools show paths from this one.
export WORKSHOP_HERE := $(CURDIR)
.DEFAULT_GOAL := help
.PHONY: help check hint reset clean

# The repo's make for this chapter. Its own line about a failure names the
# repo's Makefile: left out, as this folder's make says it once.
define this-chapter
status=$$(mktemp) || { echo "error: cannot create a temporary file (TMPDIR=$$TMPDIR): fix or unset TMPDIR" >&2; exit 2; }; \
  { { $(MAKE) --no-print-directory -C $(REPO) $@ CHAPTER="$${CHAPTER:-$(HERE)}" 2>&1 1>&3; \
  echo $$? >"$$status"; } | grep -v '^make\[[0-9]*\]: \*\*\* ' >&2; } 3>&1; \
  code=$$(cat "$$status"); rm -f "$$status"; exit $${code:-2}
endef

ifeq ($(REPO),..)
help:
	@echo "In $(HERE)/, make check, hint, reset and clean are for this chapter; the rest as in the repo root."
	@$(MAKE) --no-print-directory -C $(REPO) help
else
help:
	@echo "In solutions/$(HERE)/, make clean is for this folder; check, hint and reset for your exercise, in $(HERE)/."
	@$(MAKE) --no-print-directory -C $(REPO) help
ifeq ($(CHAPTER),)  # in solutions/, they would act on the attendee's exercise
this-chapter = echo "This is the solution of $(HERE). make $@ is for your exercise: run it in $(HERE)/ or the repo root."; exit 2
endif
endif

# Plain Python, no venv needed; -B: no bytecode left behind by clean itself.
# The folder goes through the environment, where no character of its path is special.
clean: export CHAPTER_FOLDER := $(CURDIR)
clean:
	@cd "$$CHAPTER_FOLDER/$(REPO)" && python=.venv/bin/python && { [ -x "$$python" ] || python=python3; } \
	  && "$$python" -B -m tools.attendee.clean "$$CHAPTER_FOLDER"

# Any other command: the repo's. The make files themselves are not made.
%: FORCE
	@$(MAKE) --no-print-directory -C $(REPO) $@
FORCE: ;
Makefile $(REPO)/tools/chapter.mk: ;
