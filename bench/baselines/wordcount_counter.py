"""The plain-Python baseline of `make bench`: the word count of chapter 5 with
collections.Counter and nothing else (no luigi), from a file to a file:

    python bench/baselines/wordcount_counter.py INPUT OUTPUT

Same rules and the same reading loop as WordCount/main.py, so that the
difference in time is what luigi costs. The benchmark checks that both
write the same bytes. It does not import the chapter, because that would
import luigi and charge its start-up to the baseline.
"""

import collections
import re
import sys

WORD = re.compile(r"[a-z]+")


def main(source, destination):
    counts = collections.Counter()
    with open(source, encoding="utf-8") as text:
        while lines := text.readlines(1 << 16):
            counts.update(WORD.findall("".join(lines).lower()))
    with open(destination, "w", encoding="utf-8") as out:
        for word, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            out.write(f"{word}\t{count}\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
