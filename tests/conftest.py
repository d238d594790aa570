"""The fixtures of the tests of the tools and pages (the chapter tests have theirs in chapters/)."""
